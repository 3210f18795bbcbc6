/** An answer other than 200 that the fake gives on purpose, as Braintrust would: the status and its message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
