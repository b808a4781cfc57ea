import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../core/data/csv.js';
import { recordsToTable } from '../../../core/data/json.js';
import { encodeTable, rowObject } from '../../../search/rules/data.js';
import { fitRules } from '../../../search/rules/index.js';
import { RuleModel, compileCondition, compileRule, conditionMask, finalizeRules, laplaceAccuracy, ruleMask, toUnordered } from '../../../search/rules/model.js';
import { ripper } from '../../../search/rules/ripper.js';
import { DATASETS, conditionArb, iris, irisRecords, penguins } from './fixtures.js';

function handModel(mode: 'ordered' | 'unordered'): RuleModel {
  return new RuleModel({
    mode,
    target: 'class',
    classes: ['a', 'b', 'c'],
    features: [
      { name: 'x', kind: 'numeric', categories: [] },
      { name: 'color', kind: 'categorical', categories: ['blue', 'red'] },
    ],
    rules: [
      { conditions: [{ feature: 'x', op: '<=', value: 2 }], class: 'a', counts: [8, 2, 0] },
      { conditions: [{ feature: 'color', op: '==', value: 'red' }], class: 'b', counts: [0, 9, 0] },
    ],
    defaultRule: { class: 'c', counts: [1, 1, 10] },
  });
}

describe('RuleModel', () => {
  it('ordered: the first matching rule wins, the default when none matches', () => {
    const m = handModel('ordered');
    expect(m.predict([{ x: 1, color: 'red' }, { x: 3, color: 'red' }, { x: 3, color: 'blue' }, { x: null, color: null }])).toEqual(['a', 'b', 'c', 'c']);
  });

  it('unordered: the matching rule with the highest Laplace accuracy wins', () => {
    const m = handModel('unordered');
    // rule 0: (8+1)/(10+3) = 0.69; rule 1: (9+1)/(9+3) = 0.83
    expect(laplaceAccuracy(m.rules[0], m.classes)).toBeCloseTo(9 / 13, 12);
    expect(m.predict([{ x: 1, color: 'red' }, { x: 1, color: 'blue' }])).toEqual(['b', 'a']);
    const e = m.explain({ x: 1, color: 'red' });
    expect(e.rule).toBe(1);
    expect(e.matching).toEqual([0, 1]);
    expect(e.text).toMatch(/highest Laplace accuracy of 2 matching rules/);
  });

  it('names the values it cannot read as training did: text in a number column, categories not seen in training', () => {
    const m = handModel('ordered');
    const rows = [{ x: 1, color: 'red' }, { x: 'abc', color: 'purple' }, { x: '', color: null }, { x: '2.5', color: 'blue' }, { x: 'n/a', color: 'green' }];
    expect(m.unreadable(rows)).toEqual([
      'column "x": 2 values are not a number, read as missing: "abc" (row 1), "n/a" (row 4)',
      'column "color": 2 values are not seen in training: "purple" (row 1), "green" (row 4)',
    ]);
    // the same from a table (the CSV reader's), and nothing for readable rows or a column the rows lack
    expect(m.unreadable(recordsToTable(rows))).toEqual(m.unreadable(rows));
    expect(m.unreadable([{ x: 3, color: 'red' }, { x: 1 }])).toEqual([]);
  });

  it('predictProba comes from the firing rule, Laplace-smoothed, each row summing to 1', () => {
    const m = handModel('ordered');
    const p = m.predictProba([{ x: 1 }, { x: 5 }]);
    expect(p[0]).toEqual([9 / 13, 3 / 13, 1 / 13]);
    expect(p[1]).toEqual([2 / 15, 2 / 15, 11 / 15]);
    const t = penguins();
    for (const row of ripper(t, 'Species', { seed: 2 }).predictProba(t)) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it('explain gives each condition with the row value, or says the default fired', () => {
    const m = handModel('ordered');
    const e = m.explain({ x: 1.5, color: 'blue' });
    expect(e.rule).toBe(0);
    expect(e.conditions).toEqual([{ condition: m.rules[0].conditions[0], value: 1.5, holds: true, text: 'x = 1.5 satisfies x <= 2' }]);
    expect(e.text).toBe('rule 1 fired: x = 1.5 satisfies x <= 2 => a (covers 10, 80% correct)');
    const d = m.explain({ x: 7, color: 'blue' });
    expect(d.rule).toBeNull();
    expect(d.text).toBe('no rule matched; default rule: c (covers 12, 83.3% correct)');
  });

  it('every rule list or set classifies its own training data consistently with explain', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DATASETS),
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom('ripper' as const, 'tree' as const),
        fc.constantFrom('ordered' as const, 'unordered' as const),
        (ds, seed, algorithm, mode) => {
          const t = ds.table();
          const m = fitRules(t, { target: ds.target, seed, algorithm, mode });
          const pred = m.predict(t);
          for (let i = 0; i < t.nRows; i++) {
            const e = m.explain(rowObject(t, i));
            expect(e.class).toBe(pred[i]);
            if (e.rule === null) {
              expect(e.matching).toEqual([]);
              expect(e.class).toBe(m.defaultRule.class);
              continue;
            }
            expect(e.class).toBe(m.rules[e.rule].class);
            expect(e.conditions.every((c) => c.holds)).toBe(true);
            if (mode === 'ordered') expect(e.matching[0]).toBe(e.rule);
            else for (const k of e.matching) expect(laplaceAccuracy(m.rules[k], m.classes)).toBeLessThanOrEqual(laplaceAccuracy(m.rules[e.rule], m.classes));
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('reads rows from objects and from a table alike, coercing numbers given as strings', () => {
    const t = iris();
    const m = ripper(t, 'species', { seed: 0 });
    const objects = Array.from({ length: t.nRows }, (_, i) => rowObject(t, i));
    expect(m.predict(objects)).toEqual(m.predict(t));
    const asStrings = irisRecords().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
    expect(m.predict(asStrings)).toEqual(m.predict(t));
    expect(() => m.predict({ columns: [], nRows: 1 })).toThrow(/table must have a column for every feature/);
  });

  it('does not read inherited properties of a row object', () => {
    const m = new RuleModel({
      mode: 'ordered',
      target: 't',
      classes: ['yes', 'no'],
      features: [{ name: 'toString', kind: 'categorical', categories: ['x'] }],
      rules: [{ conditions: [{ feature: 'toString', op: '!=', value: 'x' }], class: 'yes', counts: [1, 0] }],
      defaultRule: { class: 'no', counts: [0, 1] },
    });
    expect(m.predict([{}])).toEqual(['no']);
  });

  it('prints one line per rule with coverage and the default last', () => {
    expect(handModel('ordered').toString()).toBe(
      ['IF x <= 2 THEN a (covers 10, 80% correct)', 'IF color == red THEN b (covers 9, 100% correct)', 'ELSE c (covers 12, 83.3% correct)'].join('\n'),
    );
    expect(handModel('unordered').toString().split('\n')[2]).toBe('DEFAULT c (covers 12, 83.3% correct)');
    const text = ripper(iris(), 'species', { seed: 0 }).toString();
    for (const line of text.split('\n').slice(0, -1)) expect(line).toMatch(/^IF .+ THEN (setosa|versicolor|virginica) \(covers \d+, [\d.]+% correct\)$/);
    expect(text.split('\n').at(-1)).toMatch(/^ELSE \w+ \(covers \d+, [\d.]+% correct\)$/);
  });

  it('quotes a class name that is not one word, so that each rule stays one line', () => {
    const spec = handModel('ordered');
    const model = new RuleModel({ ...spec, classes: ['a, b', 'line1\nline2', 'say "hi"'], rules: spec.rules.map((r, k) => ({ ...r, class: ['a, b', 'line1\nline2'][k] })), defaultRule: { ...spec.defaultRule, class: 'say "hi"' } });
    expect(model.toString().split('\n')).toEqual([
      'IF x <= 2 THEN "a, b" (covers 10, 80% correct)',
      'IF color == red THEN "line1\\nline2" (covers 9, 100% correct)',
      'ELSE "say \\"hi\\"" (covers 12, 83.3% correct)',
    ]);
    expect(model.explain({ x: 1, color: 'red' }).text).toBe('rule 1 fired: x = 1 satisfies x <= 2 => "a, b" (covers 10, 80% correct)');
    expect(model.explain({ x: 5, color: 'blue' }).text).toBe('no rule matched; default rule: "say \\"hi\\"" (covers 12, 83.3% correct)');
  });

  it('reads a table that lacks a feature no rule tests; one a rule tests must be there', () => {
    const spec = handModel('ordered');
    // only x is tested: color may be absent
    const xOnly = new RuleModel({ ...spec, rules: [spec.rules[0]] });
    expect(xOnly.readColumns()).toEqual([['x']]);
    expect(xOnly.predict(recordsToTable([{ x: 1 }, { x: 3 }]))).toEqual(['a', 'c']);
    expect(() => handModel('ordered').predict(recordsToTable([{ x: 1 }]))).toThrow('RuleModel.predict: table must have a column for every feature the rules read, got none named "color"');
  });

  it('reads a number in a categorical feature as the code it stands for (1 as 01), from a table or a record', () => {
    const model = new RuleModel({
      mode: 'ordered', target: 'y', classes: ['no', 'yes'],
      features: [{ name: 'code', kind: 'categorical', categories: ['01', '02', 'XX'] }],
      rules: [{ conditions: [{ feature: 'code', op: '==', value: '01' }], class: 'yes', counts: [0, 5] }],
      defaultRule: { class: 'no', counts: [5, 0] },
    });
    const numbers = parseCsv('code\n01\n02\n');
    expect(numbers.columns[0].kind).toBe('numeric');
    expect(model.predict(numbers)).toEqual(['yes', 'no']);
    expect(model.unreadable(numbers)).toEqual([]);
    expect(model.predict([{ code: 1 }, { code: 3 }])).toEqual(['yes', 'no']);
    expect(model.unreadable([{ code: 3 }])).toEqual(['column "code": 1 value is not seen in training: 3 (row 0)']);
  });

  it('checks what it is built from', () => {
    const spec = handModel('ordered');
    const base = { mode: spec.mode, target: spec.target, classes: spec.classes, features: spec.features, rules: spec.rules, defaultRule: spec.defaultRule };
    expect(() => new RuleModel({ ...base, defaultRule: { class: 'z', counts: [0, 0, 0] } })).toThrow(/class must be one of the classes, got "z"/);
    expect(() => new RuleModel({ ...base, rules: [{ conditions: [], class: 'a', counts: [1] }] })).toThrow(/one entry per class \(3\), got 1/);
    expect(() => new RuleModel({ ...base, rules: [{ conditions: [{ feature: 'y', op: '<', value: 1 }], class: 'a', counts: [1, 0, 0] }] })).toThrow(/must name a feature of the model, got "y"/);
    expect(new RuleModel({ ...base, rules: [{ conditions: [], class: 'a', counts: [1, 0, 0] }] }).toString().split('\n')[0]).toBe('IF true THEN a (covers 1, 100% correct)');
  });

  it('finalizeRules drops rules that cover nothing and counts the default', () => {
    const d = encodeTable(iris(), 'species');
    const m = finalizeRules(
      d,
      [
        { conditions: [{ feature: 'petal_length', op: '<=', value: 2.45 }], class: 'setosa' },
        { conditions: [{ feature: 'petal_length', op: '<=', value: 1 }], class: 'setosa' },
        { conditions: [{ feature: 'petal_width', op: '>', value: 1.75 }], class: 'virginica' },
      ],
      'versicolor',
      'ordered',
      'hand',
    );
    expect(m.rules.length).toBe(2);
    expect(m.rules[0].counts).toEqual([50, 0, 0]);
    expect(m.rules[1].counts).toEqual([0, 1, 45]);
    expect(m.defaultRule.counts).toEqual([0, 49, 5]);
    expect(() => finalizeRules(d, m.rules, 'versicolor', 'ordered', 'hand', [new Int32Array(0)])).toThrow('finalizeRules: covers must have one entry per rule (2), got 1');
    const u = toUnordered(m, d);
    expect(u.mode).toBe('unordered');
    expect(u.rules.map((r) => r.counts)).toEqual([[50, 0, 0], [0, 1, 45]]);
  });

  // penguins has missing numbers and categories, cars missing numbers: NaN rows must fail every test but none
  const coded = DATASETS.map((ds) => encodeTable(ds.table(), ds.target));

  it('conditionMask and ruleMask give compileCondition and compileRule answers on every row', () => {
    for (const d of coded) {
      fc.assert(
        fc.property(fc.array(conditionArb(d), { maxLength: 4 }), (conds) => {
          for (const c of conds) {
            const test = compileCondition(c, d.features);
            expect(Array.from(conditionMask(c, d.x, d.features, d.n))).toEqual(Array.from({ length: d.n }, (_, i) => (test(d.x, i) ? 1 : 0)));
          }
          const rule = compileRule(conds, d.features);
          expect(Array.from(ruleMask(conds, d.x, d.features, d.n))).toEqual(Array.from({ length: d.n }, (_, i) => (rule(d.x, i) ? 1 : 0)));
        }),
        { numRuns: 40 },
      );
    }
    expect(() => conditionMask({ feature: 'wingspan', op: '<=', value: 1 }, coded[0].x, coded[0].features, coded[0].n)).toThrow(/conditionMask: feature must be one of the data's, got "wingspan"/);
  });

  it('firing() gives every row the rule explain() names reading that row alone, ordered and unordered', () => {
    DATASETS.forEach((ds, n) => {
      const t = ds.table();
      const d = coded[n];
      const k = d.classes.length;
      const rule = fc.record({
        conditions: fc.array(conditionArb(d), { maxLength: 3 }),
        class: fc.constantFrom(...d.classes),
        // few distinct counts, so that rules of equal trust (ties go to the first) are common
        counts: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: k, maxLength: k }),
      });
      fc.assert(
        fc.property(fc.array(rule, { maxLength: 8 }), fc.constantFrom<'ordered' | 'unordered'>('ordered', 'unordered'), (list, mode) => {
          const m = new RuleModel({
            mode,
            target: ds.target,
            classes: d.classes,
            features: d.features.map((f) => ({ name: f.name, kind: f.kind, categories: f.categories.slice() })),
            rules: list,
            defaultRule: { class: d.classes[0], counts: new Array<number>(k).fill(1) },
          });
          const fired = m.firing(t);
          for (let i = 0; i < t.nRows; i++) expect(fired[i]).toBe(m.explain(t, i).rule ?? -1);
          expect(m.predict(t)).toEqual(Array.from(fired, (r) => (r < 0 ? d.classes[0] : list[r].class)));
        }),
        { numRuns: 25 },
      );
    });
  });

  it('finalizeRules counts each row where a row-by-row reading of the list puts it, ordered and unordered', () => {
    for (const d of coded) {
      const rule = fc.record({ conditions: fc.array(conditionArb(d), { maxLength: 3 }), class: fc.constantFrom(...d.classes) });
      fc.assert(
        fc.property(fc.array(rule, { maxLength: 6 }), fc.constantFrom<'ordered' | 'unordered'>('ordered', 'unordered'), (learned, mode) => {
          const k = d.classes.length;
          const tests = learned.map((r) => compileRule(r.conditions, d.features));
          const counts = learned.map(() => new Array<number>(k).fill(0));
          const def = new Array<number>(k).fill(0);
          for (let i = 0; i < d.n; i++) {
            let hit = false;
            for (let r = 0; r < tests.length && !(hit && mode === 'ordered'); r++) {
              if (!tests[r](d.x, i)) continue;
              counts[r][d.y[i]]++;
              hit = true;
            }
            if (!hit) def[d.y[i]]++;
          }
          const kept = counts.filter((c) => c.some((v) => v > 0));
          // the same counts whether it tests the rules itself or is handed the rows each covers
          const covers = tests.map((t) => Int32Array.from({ length: d.n }, (_, i) => i).filter((i) => t(d.x, i)));
          for (const m of [finalizeRules(d, learned, d.classes[0], mode, 'hand'), finalizeRules(d, learned, d.classes[0], mode, 'hand', covers)]) {
            expect(m.rules.map((r) => r.counts)).toEqual(kept);
            expect(m.defaultRule.counts).toEqual(def);
          }
        }),
        { numRuns: 40 },
      );
    }
  });
});
