/** The error every API call rejects with: a sentence for a person, a code for the program. */

import type { ErrorCode } from '../bindings/ErrorCode';

export type { ErrorCode };

export class ApiError extends Error {
  readonly code: ErrorCode;
  /** The story line a `story` error points at (1-based), when known. */
  readonly line: number | null;

  constructor(code: ErrorCode, message: string, line: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.line = line;
  }
}

/** Every code the core sends; `satisfies` keeps the list in step with the generated type. */
const KNOWN = [
  'input',
  'story',
  'not_found',
  'busy',
  'config',
  'keychain',
  'io',
  'disk_full',
  'data_dir_damaged',
  'data_dir_newer',
  'engine',
  'ipc',
  'writer',
] as const satisfies readonly ErrorCode[];

/** A check the other way round: a code added to the type but missing from KNOWN fails to build. */
type Missing = Exclude<ErrorCode, (typeof KNOWN)[number]>;
const complete: Missing extends never ? true : never = true;
void complete;

function isCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && (KNOWN as readonly string[]).includes(v);
}

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return 'Something went wrong.';
  return t;
}

/** Turns whatever `invoke` rejected with into an ApiError; never throws. */
export function toApiError(raw: unknown): ApiError {
  if (raw instanceof ApiError) return raw;
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    const message = typeof o.message === 'string' ? o.message : '';
    // The core only sends codes of the generated ErrorCode; anything else did not come from it.
    const code: ErrorCode = isCode(o.code) ? o.code : 'ipc';
    const line =
      typeof o.line === 'number' && Number.isFinite(o.line) && o.line >= 1 ? Math.floor(o.line) : null;
    if (message || typeof o.code === 'string') return new ApiError(code, sentence(message), line);
    if (raw instanceof Error) return new ApiError('ipc', sentence(raw.message));
  }
  if (typeof raw === 'string') return new ApiError('ipc', sentence(raw));
  return new ApiError('ipc', 'Something went wrong.');
}

/** The message to show for any caught value. */
export function errorText(raw: unknown): string {
  return toApiError(raw).message;
}
