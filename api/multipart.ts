import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { badRequest } from './errors';

export interface FilePart {
  fileName: string | undefined;
  contentType: string;
  content: Readable;
}

/**
 * Reads a multipart/form-data upload of one file (field `file`) and a few short text fields.
 * The file is handed on as a stream while it arrives (`onFile` stores it); the text fields are
 * answered once the whole body is read, whatever order the parts came in. A malformed body, a
 * second file or a file in another field is a 400 naming the field; `onFile`'s refusal is
 * rethrown after the body has been drained.
 */
export function readFileUpload<T>(req: Request, onFile: (file: FilePart) => Promise<T>, fieldNames: readonly string[]): Promise<{ file: T; fields: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    if (!req.is('multipart/form-data')) return reject(badRequest('the body must be multipart/form-data with a part named file', [{ path: 'file', message: 'required' }]));
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: fieldNames.length + 5, fieldSize: 1000, parts: fieldNames.length + 6 } });
    } catch (e) {
      return reject(badRequest(`malformed multipart body: ${(e as Error).message}`, [{ path: 'file', message: 'malformed multipart body' }]));
    }
    const fields: Record<string, string> = {};
    let stored: Promise<T> | undefined;
    let refusal: Error | undefined;
    // A part may come without a name (`name=""`): the error still names where it was.
    const named = (name: string | undefined) => name || '(unnamed part)';
    parser.on('file', (name, stream, info) => {
      // A body cut short fails the file stream as well as the parser: the parser's error answers.
      stream.on('error', () => undefined);
      if (name !== 'file' || stored) {
        stream.resume();
        refusal ??= badRequest(`unexpected file part ${named(name)}`, [{ path: named(name), message: 'not a file field: send one file, in the part named file' }]);
        return;
      }
      stored = onFile({ fileName: info.filename, contentType: info.mimeType, content: stream });
      stored.catch(() => undefined); // observed at close
    });
    parser.on('field', (name, value) => {
      if (fieldNames.includes(name)) fields[name] = value;
      else refusal ??= badRequest(`unexpected field ${named(name)}`, [{ path: named(name), message: `not a field of this upload (${['file', ...fieldNames].join(', ')})` }]);
    });
    parser.on('filesLimit', () => (refusal ??= badRequest('one file per request', [{ path: 'file', message: 'more than one file' }])));
    parser.on('partsLimit', () => (refusal ??= badRequest('too many parts', [{ path: 'file', message: 'too many parts' }])));
    parser.on('fieldsLimit', () => (refusal ??= badRequest('too many fields', [{ path: 'file', message: 'too many fields' }])));
    parser.on('error', (e: Error) => {
      req.unpipe(parser);
      req.resume();
      reject(badRequest(`malformed multipart body: ${e.message}`, [{ path: 'file', message: 'malformed multipart body' }]));
    });
    parser.on('close', () => {
      if (!stored) return reject(refusal ?? badRequest('no file: send it in the part named file', [{ path: 'file', message: 'required' }]));
      stored.then(
        (file) => (refusal ? reject(refusal) : resolve({ file, fields })),
        (e: Error) => reject(e),
      );
    });
    req.pipe(parser);
  });
}
