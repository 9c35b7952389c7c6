// One error type for the whole codebase. HTTP handlers map `statusCode` to the response; consumers
// use `retriable` to choose retry topic vs dead letter.
export class AppError extends Error {
  override name = 'AppError';
  readonly statusCode: number;
  readonly code: string;
  readonly isOperational: boolean;
  readonly retriable: boolean;
  readonly details?: { path: string; message: string }[];

  constructor(
    message: string,
    options: {
      statusCode?: number;
      code?: string;
      isOperational?: boolean;
      retriable?: boolean;
      cause?: unknown;
      details?: { path: string; message: string }[];
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.statusCode = options.statusCode ?? 500;
    this.code = options.code ?? 'internal';
    this.isOperational = options.isOperational ?? true;
    this.retriable = options.retriable ?? false;
    if (options.details) this.details = options.details;
  }
}

export const badRequest = (message: string, details?: { path: string; message: string }[]) =>
  new AppError(message, { statusCode: 400, code: 'bad_request', ...(details && { details }) });
export const notFound = (message: string) => new AppError(message, { statusCode: 404, code: 'not_found' });
export const unauthorized = (message = 'A token is required: send Authorization: Bearer <token>') =>
  new AppError(message, { statusCode: 401, code: 'unauthorized' });
export const forbidden = (message = 'This token may not do that') =>
  new AppError(message, { statusCode: 403, code: 'forbidden' });
export const conflict = (message: string) => new AppError(message, { statusCode: 409, code: 'conflict' });
