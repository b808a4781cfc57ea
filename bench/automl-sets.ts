// The real tabular sets bench/automl.bench.ts and bench/reference/ use: all from dev dependencies, no downloads.
import { cars, iris, movies, penguins, seattleWeather } from '../core/data/datasets.js';
import type { Table } from '../search/automl/frame.js';

export interface BenchSet {
  /** File-name-safe id, e.g. 'penguins-sex'. */
  id: string;
  target: string;
  /** What the columns are, for the printed table. */
  about: string;
  load(): Table;
}

export const benchSets: BenchSet[] = [
  { id: 'iris', target: 'species', about: '150 rows, 4 numeric', load: () => iris() },
  { id: 'penguins-species', target: 'Species', about: '344 rows, 4 numeric + Island, Sex; missing', load: () => penguins() },
  { id: 'penguins-sex', target: 'Sex', about: '333 labelled rows, 4 numeric + Island, Species; missing', load: () => penguins({ target: 'Sex' }) },
  { id: 'cars-origin', target: 'Origin', about: '406 rows, 7 numeric; missing', load: () => cars() },
  { id: 'seattle-weather', target: 'weather', about: '1461 days, 4 numeric + month', load: () => seattleWeather() },
  { id: 'movies-mpaa', target: 'MPAA Rating', about: '2596 labelled rows, 9 numeric + genre, creative type, source; missing', load: () => movies() },
];
