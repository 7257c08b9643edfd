import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';
import typeis from 'type-is';
import { HttpError } from '../errors';
import { refuseDeclaredOverLimit } from './declared-length';

/**
 * JSON bodies: parsed by express.json, refused (400) when the bytes are not UTF-8 (Node would
 * silently turn them into U+FFFD), when nested deeper than any resource needs (deep nesting
 * overflows the stack of JSON.stringify later: a 500), or when a key anywhere is `__proto__`
 * (a zod record silently drops it; a strict object already names it).
 */
export const MAX_JSON_DEPTH = 32;

const JSON_TYPES = ['application/json', 'application/*+json'];

export function jsonBodies(limit: number): RequestHandler[] {
  const declaredWithinLimit: RequestHandler = (req, res, next) => {
    if (typeis(req, JSON_TYPES)) refuseDeclaredOverLimit(req, res, limit);
    next();
  };
  const parser = express.json({
    limit,
    strict: true,
    type: JSON_TYPES,
    verify: (_req, _res, raw) => {
      if (!isUtf8(raw)) throw HttpError.badRequest('The request body is not valid UTF-8.');
    },
  });
  return [declaredWithinLimit, parser, refuseUnsafeShapes];
}

const refuseUnsafeShapes: RequestHandler = (req, _res, next) => {
  if (req.body === null || typeof req.body !== 'object') return next();
  // Iterative, so the check itself cannot overflow the stack.
  const pending: Array<{ value: object; path: string; depth: number }> = [{ value: req.body as object, path: 'body', depth: 1 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (depth > MAX_JSON_DEPTH) {
      return next(HttpError.badRequest(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`));
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return next(HttpError.validation([{ path: `${path}.${key}`, message: 'Unknown field.' }]));
      const child = (value as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') pending.push({ value: child, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  next();
};
