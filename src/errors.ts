/** A problem with how the tool was called or configured: exit code 1, message only, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A raw or built file that cannot be used; `file` names it for the report. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(reason);
  }
}
