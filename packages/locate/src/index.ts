/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/locate' as const;

// @op-screen/locate, Node entry: everything in the browser entry, plus reading the shipped
// weights and series from disk. Importing it loads nothing and registers no backend.
export * from './common.js';
export { loadLocator, locateFile, type ReadLocateInputOptions, readLocateInput } from './node.js';
