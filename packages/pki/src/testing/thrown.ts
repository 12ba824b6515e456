/** What `fn` throws: for asserting on a synchronous error's fields, not only its message. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
