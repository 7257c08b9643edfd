import type { z } from 'zod';
import { rows, type Db } from '../db/tenant';
import type { UpdateProfile } from './schemas';

/** My profile (user_profiles, RLS: my own row only), created empty on first use. */
export interface Profile {
  id: string;
  userId: string;
  bio: string | null;
  location: string | null;
  websiteUrl: string | null;
  socialLinks: Record<string, string>;
  preferences: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const PROFILE = `
  id, user_id AS "userId", bio, location, website_url AS "websiteUrl", social_links AS "socialLinks",
  preferences, created_at AS "createdAt", updated_at AS "updatedAt"`;

async function ensureProfile(db: Db): Promise<void> {
  await db.query(`INSERT INTO user_profiles (user_id) VALUES (app_current_user_id()) ON CONFLICT (user_id) DO NOTHING`);
}

export async function getMyProfile(db: Db): Promise<Profile> {
  await ensureProfile(db);
  const [profile] = await db.query(`SELECT ${PROFILE} FROM user_profiles WHERE user_id = app_current_user_id()`);
  return profile;
}

// Each field the body names is set (null clears); the others keep their value.
export async function updateMyProfile(db: Db, change: z.output<typeof UpdateProfile>): Promise<Profile> {
  await ensureProfile(db);
  const has = (field: keyof typeof change) => change[field] !== undefined;
  const [profile] = await rows<Profile>(db,
    `UPDATE user_profiles
       SET bio          = CASE WHEN $1 THEN $2 ELSE bio END,
           location     = CASE WHEN $3 THEN $4 ELSE location END,
           website_url  = CASE WHEN $5 THEN $6 ELSE website_url END,
           social_links = COALESCE($7::jsonb, social_links),
           preferences  = COALESCE($8::jsonb, preferences)
     WHERE user_id = app_current_user_id()
     RETURNING ${PROFILE}`,
    [has('bio'), change.bio ?? null, has('location'), change.location ?? null, has('websiteUrl'), change.websiteUrl ?? null,
      change.socialLinks ? JSON.stringify(change.socialLinks) : null, change.preferences ? JSON.stringify(change.preferences) : null],
  );
  return profile;
}
