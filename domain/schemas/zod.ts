import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// zod 4 attaches methods per instance, so `.openapi` must exist before any schema is built:
// every schema module imports z from here.
extendZodWithOpenApi(z);

export { z };
