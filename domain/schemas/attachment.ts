import { z } from './zod';

export const Visibility = z.enum(['public', 'internal']);
export type Visibility = z.infer<typeof Visibility>;

export const AttachmentRecord = z.object({
  id: z.string(),
  recordType: z.string(),
  recordId: z.string(),
  fileName: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  /** `internal` attachments are the desk's, like work notes: requesters see public ones and their own. */
  visibility: Visibility,
  via: z.enum(['api', 'email']),
  createdBy: z.string(),
  createdAt: z.string(),
  /** Where its bytes are downloaded. */
  url: z.string(),
});
export type AttachmentRecord = z.infer<typeof AttachmentRecord>;

/** The upload's parts, as the OpenAPI document shows them (the route reads the stream itself). */
export const AttachmentUpload = z.object({
  file: z.string().openapi({ format: 'binary', description: 'the file; one per request' }),
  visibility: Visibility.optional().openapi({ description: 'default: internal for the desk, public for a requester' }),
}).strict();
