import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `documents.version` is the optimistic-concurrency counter and the ETag (SPEC), so every
 * change of what a client can change moves it: title and content as before, and now also
 * status (publishing too), tags, metadata and content type. Without that, two PATCHes of the
 * status or tags with the same If-Match both succeeded, the second silently overwriting the
 * first. Each new version still writes its document_versions row (a snapshot of title and
 * content), so every version number has one. A write that changes nothing is no new version.
 */
export class EveryDocumentChangeIsAVersion1795000000007 implements MigrationInterface {
  name = 'EveryDocumentChangeIsAVersion1795000000007';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION bump_document_version() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          NEW.version = 1;
        ELSIF (NEW.title, NEW.content, NEW.content_type, NEW.status, NEW.tags, NEW.metadata)
              IS DISTINCT FROM (OLD.title, OLD.content, OLD.content_type, OLD.status, OLD.tags, OLD.metadata) THEN
          NEW.version = OLD.version + 1;
        ELSE
          NEW.version = OLD.version;
        END IF;
        RETURN NEW;
      END $$`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION bump_document_version() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          NEW.version = 1;
        ELSIF NEW.content IS DISTINCT FROM OLD.content OR NEW.title IS DISTINCT FROM OLD.title THEN
          NEW.version = OLD.version + 1;
        ELSE
          NEW.version = OLD.version;
        END IF;
        RETURN NEW;
      END $$`);
  }
}
