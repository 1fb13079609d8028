import type { Readable } from 'node:stream';
import type { Request, RequestHandler } from 'express';
import busboy from 'busboy';
import { HttpError } from '../http/errors.js';
import type { TransferFormat } from './import-source.js';

/** How long a client that keeps sending after its answer has before the connection is cut. */
const LINGER_MS = 1000;

/**
 * An import can be answered before its body has all arrived: a 413, a malformed file, too many
 * problems, a refusal. Node would then read the rest of the upload for nothing (up to 2 GB) or
 * close the socket at once, and closing with unread bytes makes the kernel reset the connection,
 * which can lose the answer on its way. Instead: after the answer, stop reading (TCP flow
 * control then stops the client, and nothing more is buffered here), half-close so the client
 * sees the end, and cut the connection LINGER_MS later.
 */
export const stopUploadOnEarlyAnswer: RequestHandler = (req, res, next) => {
  res.once('finish', () => {
    if (req.complete) return;
    // Node has just started discarding the rest (req._dump); pausing stops that too.
    req.unpipe();
    req.pause();
    const socket = req.socket;
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
  next();
};

/** The body as chunks, read on demand; stopping early leaves the request to stopUploadOnEarlyAnswer. */
export async function* bodyChunks(stream: Readable): AsyncGenerator<Buffer> {
  try {
    yield* stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
  } catch {
    throw new HttpError('request-aborted', 'The upload broke off before the whole file had arrived; nothing was imported.');
  }
}

/** The format a file's name or type says, CSV unless it says NDJSON. */
export function uploadFormat(filename: string, mimeType: string): TransferFormat {
  return /\.(ndjson|jsonl)$/i.test(filename) || /^application\/(x-)?ndjson$/i.test(mimeType) ? 'ndjson' : 'csv';
}

export interface FormUpload {
  /** The form's other fields, sent before the file. */
  readonly fields: Readonly<Record<string, string>>;
  readonly filename: string;
  readonly mimeType: string;
  readonly file: Readable;
}

/**
 * Reads a multipart form up to its file and hands the file over as a stream (busboy): the
 * fields come first (the form puts the CSRF token and the mode before the file), so they can be
 * checked before a byte of the file is read. `maxBytes` is enforced by the caller.
 */
export function readFormUpload(req: Request, maxBytes: number): Promise<FormUpload> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fields: 8, parts: 10, fieldSize: 1024, fileSize: maxBytes + 1 } });
  } catch {
    throw new HttpError('unsupported-media-type', 'Send the form as multipart/form-data, as the import page does.');
  }
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, file, info) => {
      if (name !== 'file' || !info.filename) {
        file.resume();
        return;
      }
      resolve({ fields, filename: info.filename, mimeType: info.mimeType, file });
    });
    // Without a file part (or with an empty file input) the form ends first.
    parser.on('close', () => reject(new HttpError('no-file', 'Choose a file to import.')));
    parser.on('error', () => reject(new HttpError('malformed-form', 'The form data could not be read; reload the page and try again.')));
    req.pipe(parser);
  });
}
