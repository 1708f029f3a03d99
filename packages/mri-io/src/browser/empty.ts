/**
 * Empty module for the browser build: third-party code that `require()`s a Node built-in only
 * on its Node path (the Emscripten codecs' `fs`/`path`, dicom-parser's optional `zlib`) gets this.
 */
export default {};
