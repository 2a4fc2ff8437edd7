/** Where the CLI writes: standard output and standard error, or a test's buffers. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}
