// One filter translates every error into Ironic's error body: a JSON object whose
// `error_message` is itself a JSON string with faultcode/faultstring/debuginfo.
import { ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from './errors';
import type { Logger } from '../../../shared/logger';

/**
 * Ironic's error body. A 406 also carries the `code`/`title`/`description` keys of
 * Ironic's version layer, so clients reading either shape find the message.
 */
export function ironicErrorBody(status: number, message: string): { error_message: string } {
  const inner: Record<string, unknown> = { faultcode: status >= 500 ? 'Server' : 'Client', faultstring: message, debuginfo: null };
  if (status === 406) Object.assign(inner, { code: 406, title: 'Not Acceptable', description: message });
  return { error_message: JSON.stringify(inner) };
}

/** Body-parser and other express-level errors carry a status and a type. */
function expressError(err: unknown): { status: number; message: string } | undefined {
  const e = err as { status?: number; type?: string; message?: string; limit?: number };
  if (typeof e?.status !== 'number' || typeof e.type !== 'string') return undefined;
  if (e.type === 'entity.too.large')
    return {
      status: 413,
      message: `Request body is too large: the limit is ${e.limit} bytes. Send a smaller body (the operator sets the limit with IRONFLOW_API_BODY_LIMIT).`,
    };
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
    return { status: 415, message: e.message ?? 'Unsupported encoding.' };
  return { status: e.status, message: e.message ?? 'Bad request.' };
}

@Catch()
export class IronicErrorFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    let status = 500;
    let message = 'Internal server error. The request id in the response headers identifies it in the API log.';
    const ex = expressError(err);
    if (err instanceof ApiError) {
      status = err.status;
      message = err.message;
    } else if (ex) {
      status = ex.status;
      message = ex.message;
    } else if (err instanceof HttpException) {
      status = err.getStatus();
      message = status === 404 ? `The resource could not be found: ${req.method} ${req.path}` : err.message;
    }
    if (status >= 500) this.log.error({ err, reqId: res.getHeader('openstack-request-id') }, 'request failed');
    res
      .status(status)
      .type('application/json')
      .send(JSON.stringify(ironicErrorBody(status, message)));
  }
}
