import { z } from './zod';
import { NOT_BLANK } from './common';
import { CiClass, CiStatus, RELATIONSHIP_TYPES } from './ci';
import { AssetFields } from './asset';

/** Where bulk import is served; the API accepts text/csv bodies there and nowhere else. */
export const IMPORT_PATH = '/api/v1/cis/import';
/** More rows than this in one request → 413 (split the file). */
export const IMPORT_MAX_ROWS = 50_000;
/** Body size limit on the import path (the general MAX_BODY_BYTES applies if larger). */
export const IMPORT_MAX_BYTES = 32 * 1024 * 1024;

export { RELATIONSHIP_TYPES };

/** The fixed CSV columns, in export order; `attr.<name>` columns and `relationships` follow. */
export const CSV_BASE_COLUMNS = ['name', 'class', 'status', 'environment', 'ownerGroup'] as const;
export const CSV_ASSET_COLUMNS = ['purchaseDate', 'cost', 'currency', 'depreciationMethod', 'depreciationYears', 'salvageValue', 'location', 'supplier'] as const;
export const CSV_RELATIONSHIPS_COLUMN = 'relationships';
export const CSV_ATTRIBUTE_PREFIX = 'attr.';

/**
 * One CI to upsert. Absent (or, in CSV, empty) fields leave the stored value alone on an
 * update; JSON `null` clears a field. `attributes` merge into the stored ones (a `null`
 * value removes that attribute). Attributes are validated against the class schema.
 */
export const ImportRow = z
  .object({
    name: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }),
    class: CiClass,
    status: CiStatus.optional(),
    environment: z.string().maxChars(50).nullable().optional(),
    ownerGroup: z.string().maxChars(100).nullable().optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
  })
  .extend(AssetFields.shape)
  .strict();
export type ImportRow = z.infer<typeof ImportRow>;

/** A CI named in a relationship: its natural key (`server:web01`), id or number, or {class, name}. */
export const CiRefInput = z.union([z.string().trim().min(1).maxChars(500).openapi({ pattern: NOT_BLANK }), z.object({ class: CiClass, name: z.string().trim().min(1).maxChars(200).openapi({ pattern: NOT_BLANK }) }).strict()]);
export type CiRefInput = z.infer<typeof CiRefInput>;

export const ImportRelationship = z
  .object({
    source: CiRefInput,
    type: z.enum(RELATIONSHIP_TYPES),
    target: CiRefInput,
  })
  .strict();
export type ImportRelationship = z.infer<typeof ImportRelationship>;

/**
 * The request: JSON `{items, relationships?}` or a bare array of items, or a text/csv body.
 * Items and relationships are validated one by one (a bad one is answered `error`, the rest
 * are imported), so the envelope only checks the shape.
 */
export const ImportEnvelope = z
  .object({
    items: z.array(z.unknown()).describe('ImportRow objects'),
    relationships: z.array(z.unknown()).optional().describe('ImportRelationship objects'),
  })
  .strict();
/**
 * What the route declares (for the OpenAPI document): the body is checked by the handler,
 * which knows the content type, so a bad item is that item's error and not a 400 for all.
 */
export const ImportRequestDoc = {
  'application/json': z
    .union([ImportEnvelope, z.array(z.unknown()).describe('ImportRow objects')])
    .describe('{items: ImportRow[], relationships?: ImportRelationship[]} or ImportRow[]; each row is checked on its own and answered in the result'),
  // NOT_BLANK, which the document makes NOT_BLANK_NO_NUL: a body holding NUL is refused before this schema (api/app.ts).
  'text/csv': z.string().regex(/\S/, 'the CSV is empty: a header row is needed').openapi({ pattern: NOT_BLANK }).describe('a header row (name,class,status,environment,ownerGroup, asset columns, attr.<name>…, relationships) and one CI per row'),
};

export const ImportQuery = z.object({
  dryRun: z.enum(['true', 'false']).optional().describe('true: validate and answer per row, write nothing'),
  via: z
    .string()
    .regex(/^(CHG|REL)\d{7,}$/, 'must be a change (CHG…) or release (REL…) number')
    .optional()
    .describe('The change or release the import belongs to; recorded in each CI version'),
});

const FieldError = z.object({ path: z.string(), message: z.string() });
const RowStatus = z.enum(['created', 'updated', 'unchanged', 'error']);

export const ImportRowResult = z.object({
  index: z.number().int().describe('1-based position among the items / data rows'),
  line: z.number().int().optional().describe('CSV only: the line where the row starts'),
  status: RowStatus,
  id: z.string().optional(),
  number: z.string().optional(),
  naturalKey: z.string().optional(),
  changes: z.array(z.string()).optional().describe('Fields an update changes'),
  error: z.string().optional(),
  errors: z.array(FieldError).optional(),
});
export type ImportRowResult = z.infer<typeof ImportRowResult>;

export const ImportRelationshipResult = z.object({
  index: z.number().int(),
  line: z.number().int().optional(),
  source: z.string(),
  type: z.string(),
  target: z.string(),
  status: z.enum(['created', 'unchanged', 'error']),
  id: z.string().optional(),
  error: z.string().optional(),
  errors: z.array(FieldError).optional(),
});
export type ImportRelationshipResult = z.infer<typeof ImportRelationshipResult>;

export const ImportResult = z.object({
  dryRun: z.boolean(),
  format: z.enum(['csv', 'json']),
  summary: z.object({ rows: z.number().int(), created: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), error: z.number().int() }),
  rows: z.array(ImportRowResult),
  relationships: z.object({
    summary: z.object({ total: z.number().int(), created: z.number().int(), unchanged: z.number().int(), error: z.number().int() }),
    rows: z.array(ImportRelationshipResult),
  }),
});
export type ImportResult = z.infer<typeof ImportResult>;

export const ExportQuery = z.object({
  format: z.enum(['csv', 'json']).default('csv'),
  class: CiClass.optional(),
  status: CiStatus.optional(),
});
