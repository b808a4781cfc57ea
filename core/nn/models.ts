// The two classic MNIST networks of Han et al. 2015, built only from the public nn API.
import { Sequential, Linear, ReLU, Conv2d, MaxPool2d, Flatten } from './layers.js';
import { Random } from '../random.js';

/** LeNet-300-100: 784-300-100-10 fully connected with ReLU (266,610 parameters). Input [N,784] or [N,1,28,28]. */
export function lenet300100(seed = 0): Sequential {
  const rng = new Random(seed);
  return new Sequential(new Flatten(), new Linear(784, 300, { rng }), new ReLU(), new Linear(300, 100, { rng }), new ReLU(), new Linear(100, 10, { rng }));
}

/**
 * LeNet-5, Caffe variant (examples/mnist/lenet_train_test.prototxt): conv 20@5x5, maxpool 2, conv 50@5x5, maxpool 2,
 * fc 500 + ReLU, fc 10 (431,080 parameters). As in Caffe, the convolutions have no activation of their own.
 */
export function lenet5(seed = 0): Sequential {
  const rng = new Random(seed);
  return new Sequential(
    new Conv2d(1, 20, 5, { rng }), new MaxPool2d(2),
    new Conv2d(20, 50, 5, { rng }), new MaxPool2d(2),
    new Flatten(), new Linear(800, 500, { rng }), new ReLU(), new Linear(500, 10, { rng }),
  );
}
