import { z } from 'zod';
import { created, problemResponses, registry, security, securityOrAnonymous } from '../http/openapi';
import { IdParams, uuid } from '../http/validate';
import { ATTACHMENT_ENTITY_TYPES, type FileAttachment } from './entity';

/** Request and response shapes of attachments; also the OpenAPI source. */

/** An upload's text fields: none are defined, so any is an unknown field (400 naming it). */
export const UploadFields = z.object({}).strict();

export const UploadForm = z.object({
  file: z.string().openapi({ type: 'string', format: 'binary', description: 'The file (the only field).' }),
}).openapi('AttachmentUpload');

export const AttachmentResponse = z.object({
  id: uuid,
  workspaceId: uuid,
  projectId: uuid,
  entityType: z.enum(ATTACHMENT_ENTITY_TYPES),
  entityId: uuid,
  filename: z.string().describe('The client\'s file name, cleaned for display; the file is stored under an id.'),
  size: z.number().int().describe('Bytes.'),
  mimeType: z.string(),
  uploaderId: uuid,
  createdAt: z.iso.datetime(),
}).openapi('Attachment');

/** An attachment as the API answers it: the one way a FileAttachment entity becomes JSON (decision 0013). */
export function attachmentJson(attachment: FileAttachment): z.input<typeof AttachmentResponse> {
  return {
    id: attachment.id,
    workspaceId: attachment.workspaceId,
    projectId: attachment.projectId,
    entityType: attachment.entityType,
    entityId: attachment.entityId,
    filename: attachment.originalFilename,
    size: attachment.fileSize,
    mimeType: attachment.mimeType,
    uploaderId: attachment.uploaderId,
    createdAt: attachment.createdAt.toISOString(),
  };
}

const tags = ['Attachments'];
const tooLarge = { ...problemResponses[400], description: 'The file is larger than MAX_UPLOAD_BYTES' };
const unsupported = { ...problemResponses[400], description: 'The body is not multipart/form-data' };

for (const [entityType, parent] of [['task', 'tasks'], ['document', 'documents'], ['project', 'projects']] as const) {
  registry.registerPath({
    method: 'post', path: `/${parent}/{id}/attachments`, tags, security,
    summary: `Attach a file to a ${entityType} (project members)`,
    request: { params: IdParams, body: { content: { 'multipart/form-data': { schema: UploadForm } } } },
    responses: {
      201: created(AttachmentResponse, 'The new attachment'),
      ...problemResponses, 413: tooLarge, 415: unsupported,
    },
  });
}
registry.registerPath({
  method: 'get', path: '/attachments/{id}', tags, security: securityOrAnonymous, summary: 'An attachment\'s metadata',
  request: { params: IdParams },
  responses: { 200: { description: 'The attachment', content: { 'application/json': { schema: AttachmentResponse } } }, ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/attachments/{id}/content', tags, security: securityOrAnonymous,
  summary: 'Download the file (always as an attachment, never rendered inline)',
  request: { params: IdParams },
  responses: {
    200: {
      description: 'The file, with its MIME type, length and a safe Content-Disposition',
      content: { '*/*': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } },
    },
    ...problemResponses,
  },
});
registry.registerPath({
  method: 'delete', path: '/attachments/{id}', tags, security,
  summary: 'Delete an attachment and its file (project admins, or its uploader while a member)',
  request: { params: IdParams },
  responses: { 204: { description: 'Deleted; no body.' }, ...problemResponses },
});
