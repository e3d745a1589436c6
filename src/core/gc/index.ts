/** The GC tuning lab's public API: gctrace parsing, run measurement, the sweep, the recommender, export. */
export * from './gctrace';
export * from './measure';
export * from './sweep';
export * from './recommend';
export * from './export';
