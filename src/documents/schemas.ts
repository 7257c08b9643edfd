import { z } from 'zod';
import { HttpError } from '../errors';
import { created, json, jsonBody, page, problemResponses, registry, security, securityOrAnonymous } from '../http/openapi';
import { cursor, limit } from '../http/pagination';
import { IdParams, name, text, uuid } from '../http/validate';
import { DOCUMENT_STATUSES, type Document, type DocumentVersion } from './entity';

/** Request and response shapes of documents and their versions; also the OpenAPI source. */
export const DocumentStatus = z.enum(DOCUMENT_STATUSES);

// The JSON body limit (config.maxJsonBytes) is what really bounds content; this only
// keeps a misconfigured limit from letting anything through.
const content = text(5_000_000);
// No regex flags: the OpenAPI pattern would carry them as text and match nothing.
const contentType = z.string().max(50).regex(/^[A-Za-z0-9][A-Za-z0-9.+/-]*$/, 'A short type name such as markdown or html.');
const tags = z.array(text(50).transform((s) => s.trim()).pipe(z.string().min(1, 'Must not be empty.'))).max(50);
/** A JSON object (never an array or a scalar), stored as jsonb. */
const metadata = z.record(z.string().max(255), z.unknown());

export const CreateDocument = z.object({
  title: name(255),
  content: content.optional(),
  contentType: contentType.optional(),
  status: DocumentStatus.optional(),
  tags: tags.optional(),
  metadata: metadata.optional(),
}).strict().openapi('CreateDocument');

export const UpdateDocument = z.object({
  title: name(255).optional(),
  content: content.optional(),
  contentType: contentType.optional(),
  status: DocumentStatus.optional(),
  tags: tags.optional(),
  metadata: metadata.optional(),
  changeSummary: text(1000).optional(),
}).strict()
  .refine((body) => Object.keys(body).some((key) => key !== 'changeSummary'), {
    message: 'Send at least one field to change.',
    when: (payload) => payload.issues.length === 0, // an unknown field is error enough
  })
  .openapi('UpdateDocument');

export const ListDocumentsQuery = z.object({ limit, cursor, status: DocumentStatus.optional() }).strict();
export const ListVersionsQuery = z.object({ limit, cursor }).strict();

// Path segments are strings: only a plain positive integer that fits PostgreSQL's integer.
const versionNumber = z.string()
  .regex(/^[1-9][0-9]{0,9}$/, 'Must be a positive integer.')
  .transform(Number)
  .pipe(z.number().int().max(2_147_483_647, 'Must be a version number, at most 2147483647.'));
export const VersionParams = z.object({ id: uuid, number: versionNumber }).strict();

/** An entity tag holding a version: `"3"` (or bare `3`); `W/"3"` is weak. */
const IF_MATCH = /^(W\/)?("?)([1-9][0-9]{0,9})\2$/;

/**
 * The version an If-Match header asks for: undefined when absent, a 400 when malformed.
 * A weak tag never matches under the strong comparison If-Match requires, so it yields 0,
 * which no version equals (a 412, as RFC 9110 says).
 */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (header.trim() === '*') {
    // "any current version" would overwrite whatever a concurrent edit wrote: the point of If-Match here.
    throw HttpError.validation([{ path: 'header.If-Match', message: 'Must be the document\'s ETag, such as "3", not *.' }]);
  }
  const match = IF_MATCH.exec(header.trim());
  if (!match || Number(match[3]) > 2_147_483_647) {
    throw HttpError.validation([{ path: 'header.If-Match', message: 'Must be the document\'s ETag, such as "3".' }]);
  }
  return match[1] ? 0 : Number(match[3]);
}

export const etagOf = (version: number) => `"${version}"`;

export const DocumentResponse = z.object({
  id: uuid,
  workspaceId: uuid,
  projectId: uuid,
  title: z.string(),
  content: z.string(),
  contentType: z.string(),
  authorId: uuid,
  version: z.number().int().describe('The optimistic-concurrency counter; the ETag is this number, quoted.'),
  status: DocumentStatus,
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  publishedAt: z.iso.datetime().nullable(),
}).openapi('Document');

export const DocumentVersionSummaryResponse = z.object({
  id: uuid,
  documentId: uuid,
  versionNumber: z.number().int(),
  title: z.string(),
  changeSummary: z.string().nullable(),
  authorId: uuid,
  createdAt: z.iso.datetime(),
}).openapi('DocumentVersionSummary');

export const DocumentVersionResponse = DocumentVersionSummaryResponse.extend({ content: z.string() }).openapi('DocumentVersion');

/** A document as the API answers it: the one way a Document entity becomes JSON (decision 0013). */
export function documentJson(document: Document): z.input<typeof DocumentResponse> {
  return {
    id: document.id,
    workspaceId: document.workspaceId,
    projectId: document.projectId,
    title: document.title,
    content: document.content,
    contentType: document.contentType,
    authorId: document.authorId,
    version: document.version,
    status: document.status,
    tags: document.tags,
    metadata: document.metadata,
    createdAt: document.createdAt.toISOString(),
    updatedAt: document.updatedAt.toISOString(),
    publishedAt: document.publishedAt?.toISOString() ?? null,
  };
}

/** A version as a list shows it, without its content. */
export function documentVersionSummaryJson(version: DocumentVersion): z.input<typeof DocumentVersionSummaryResponse> {
  return {
    id: version.id,
    documentId: version.documentId,
    versionNumber: version.versionNumber,
    title: version.title,
    changeSummary: version.changeSummary,
    authorId: version.authorId,
    createdAt: version.createdAt.toISOString(),
  };
}

/** One version, with its content. */
export function documentVersionJson(version: DocumentVersion): z.input<typeof DocumentVersionResponse> {
  return { ...documentVersionSummaryJson(version), content: version.content };
}

const etagHeader = z.string().openapi({ example: '"3"', description: 'The document version, quoted.' });
const withEtag = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  headers: z.object({ ETag: etagHeader }),
  content: { 'application/json': { schema } },
});
const problem = (description: string) => ({ ...problemResponses[409], description });
const ifMatchRequired = z.object({
  'if-match': etagHeader.describe('The ETag of the version being changed (required). `*` is refused (400); a weak tag, `W/"3"`, never matches (412).'),
});
const ifMatchOptional = z.object({ 'if-match': etagHeader.optional().describe('If given, must be the current ETag.') });
const tagsOf = ['Documents'];

registry.registerPath({
  method: 'get', path: '/projects/{id}/documents', tags: tagsOf, security: securityOrAnonymous,
  summary: 'The documents of a project, newest first (anonymous for public projects)',
  request: { params: IdParams, query: ListDocumentsQuery },
  responses: { 200: json(page(DocumentResponse, 'DocumentPage'), 'A page of documents'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/projects/{id}/documents', tags: tagsOf, security,
  summary: 'Create a document (project members); it starts at version 1',
  request: { params: IdParams, body: jsonBody(CreateDocument) },
  responses: { 201: created(DocumentResponse, 'The new document', { ETag: etagHeader }), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/documents/{id}', tags: tagsOf, security: securityOrAnonymous, summary: 'A document, with its version as ETag',
  request: { params: IdParams },
  responses: { 200: withEtag(DocumentResponse, 'The document'), ...problemResponses },
});
registry.registerPath({
  method: 'patch', path: '/documents/{id}', tags: tagsOf, security,
  summary: 'Change a document (project members); any change is the next version, and its ETag',
  request: { params: IdParams, headers: ifMatchRequired, body: jsonBody(UpdateDocument) },
  responses: {
    200: withEtag(DocumentResponse, 'The changed document'), ...problemResponses,
    412: problem('The If-Match version is not the current one'),
    428: problem('If-Match is missing'),
  },
});
registry.registerPath({
  method: 'delete', path: '/documents/{id}', tags: tagsOf, security,
  summary: 'Delete a document (project admins, or its author while a member)',
  request: { params: IdParams },
  responses: { 204: { description: 'Deleted; no body.' }, ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/documents/{id}/publish', tags: tagsOf, security, summary: 'Publish a document (project members)',
  request: { params: IdParams },
  responses: { 200: withEtag(DocumentResponse, 'The published document'), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/documents/{id}/versions', tags: tagsOf, security: securityOrAnonymous, summary: 'The versions of a document, newest first',
  request: { params: IdParams, query: ListVersionsQuery },
  responses: { 200: json(page(DocumentVersionSummaryResponse, 'DocumentVersionPage'), 'A page of versions (without content)'), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/documents/{id}/versions/{number}', tags: tagsOf, security: securityOrAnonymous, summary: 'One version, with its content',
  request: { params: VersionParams },
  responses: { 200: json(DocumentVersionResponse, 'The version'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/documents/{id}/versions/{number}/restore', tags: tagsOf, security,
  summary: 'Make an old version\'s title and content the next version (project members)',
  request: { params: VersionParams, headers: ifMatchOptional },
  responses: { 200: withEtag(DocumentResponse, 'The document'), ...problemResponses, 412: problem('The If-Match version is not the current one') },
});
