import type { z } from 'zod';
import type { Db } from '../db/tenant';
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

const MY_PROFILE = `SELECT ${PROFILE} FROM user_profiles WHERE user_id = app_current_user_id()`;

/** Reading does not write: the empty profile is created by the first request that finds none. */
export async function getMyProfile(db: Db): Promise<Profile> {
  const [profile]: Profile[] = await db.query(MY_PROFILE);
  return profile ?? createMyProfile(db);
}

async function createMyProfile(db: Db): Promise<Profile> {
  const [created] = await db.query<Profile>(
    `INSERT INTO user_profiles (user_id) VALUES (app_current_user_id())
     ON CONFLICT (user_id) DO NOTHING
     RETURNING ${PROFILE}`);
  if (created) return created;
  // A concurrent first request created it after this one looked: read it with a new snapshot.
  const [existing]: Profile[] = await db.query(MY_PROFILE);
  return existing;
}

// Each field the body names is set (null clears); the others keep their value.
export async function updateMyProfile(db: Db, change: z.output<typeof UpdateProfile>): Promise<Profile> {
  const has = (field: keyof typeof change) => change[field] !== undefined;
  const update = () => db.query<Profile>(
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
  const [updated] = await update();
  if (updated) return updated;
  await createMyProfile(db); // the first change of a profile never read
  const [profile] = await update();
  return profile;
}
