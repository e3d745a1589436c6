/** The lab runner's public API: connection, image, runs, cleanup, their types and errors. */
export * from './types';
export * from './errors';
export * from './docker';
export * from './image';
export * from './runner';
export * from './cleanup';
