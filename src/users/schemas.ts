import { z } from 'zod';
import { json, jsonBody, problemResponses, registry, security } from '../http/openapi';
import { text, uuid } from '../http/validate';
import type { UserProfile } from './entity';

/** /users/me/profile: request and response shapes; also the OpenAPI source. */
const webUrl = text(2048).pipe(z.url({ protocol: /^https?$/, message: 'Must be an http(s) URL.' }));

export const UpdateProfile = z.object({
  bio: text(5000).nullable().optional(),
  location: text(255).nullable().optional(),
  websiteUrl: webUrl.nullable().optional(),
  socialLinks: z.record(text(50), webUrl).refine((links) => Object.keys(links).length <= 20, 'At most 20 links.').optional(),
  preferences: z.record(text(100), z.unknown()).optional(),
}).strict()
  .refine((body) => Object.keys(body).length > 0, 'Send at least one field to change.')
  .openapi('UpdateProfile');

export const ProfileResponse = z.object({
  id: uuid,
  userId: uuid,
  bio: z.string().nullable(),
  location: z.string().nullable(),
  websiteUrl: z.string().nullable(),
  socialLinks: z.record(z.string(), z.string()),
  preferences: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
}).openapi('Profile');

/** My profile as the API answers it: the one way a UserProfile entity becomes JSON (decision 0013). */
export function profileJson(profile: UserProfile): z.input<typeof ProfileResponse> {
  return {
    id: profile.id,
    userId: profile.userId,
    bio: profile.bio,
    location: profile.location,
    websiteUrl: profile.websiteUrl,
    socialLinks: profile.socialLinks,
    preferences: profile.preferences,
    createdAt: profile.createdAt.toISOString(),
    updatedAt: profile.updatedAt.toISOString(),
  };
}

const tags = ['Users'];

registry.registerPath({
  method: 'get', path: '/users/me/profile', tags, security, summary: 'My profile (created empty on first use)',
  responses: { 200: json(ProfileResponse, 'My profile'), ...problemResponses },
});
registry.registerPath({
  method: 'patch', path: '/users/me/profile', tags, security,
  summary: 'Change my profile; socialLinks and preferences are replaced whole',
  request: {
    body: jsonBody(UpdateProfile),
  },
  responses: { 200: json(ProfileResponse, 'My profile'), ...problemResponses },
});
