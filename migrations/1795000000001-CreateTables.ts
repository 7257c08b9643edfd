import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables of the schema design (shared/seeds/003), plus the tenant (`workspaces`,
 * `workspace_members`), API tokens and the audit log. Every tenant-owned row carries
 * `workspace_id`, kept equal to its parent's by composite foreign keys.
 */
export class CreateTables1795000000001 implements MigrationInterface {
  name = 'CreateTables1795000000001';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email           varchar(255) NOT NULL,
        username        varchar(50) NOT NULL,
        password_hash   varchar(255) NOT NULL,
        first_name      varchar(100),
        last_name       varchar(100),
        avatar_url      text,
        email_verified  boolean NOT NULL DEFAULT false,
        status          user_status NOT NULL DEFAULT 'active',
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        last_login_at   timestamptz,
        metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT users_email_key UNIQUE (email),
        CONSTRAINT users_username_key UNIQUE (username),
        CONSTRAINT chk_email_format CHECK (email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$'),
        CONSTRAINT chk_username_length CHECK (char_length(username) >= 3 AND char_length(username) <= 50)
      )`);

    await db.query(`
      CREATE TABLE user_profiles (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id       uuid NOT NULL,
        bio           text,
        location      varchar(255),
        website_url   text,
        social_links  jsonb NOT NULL DEFAULT '{}'::jsonb,
        preferences   jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_profiles_user_id_key UNIQUE (user_id),
        CONSTRAINT fk_user_profiles_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      )`);

    // session_token holds a SHA-256 of the session id, never the id itself.
    await db.query(`
      CREATE TABLE user_sessions (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id        uuid NOT NULL,
        session_token  varchar(255) NOT NULL,
        refresh_token  varchar(255),
        expires_at     timestamptz NOT NULL,
        ip_address     inet,
        user_agent     text,
        is_active      boolean NOT NULL DEFAULT true,
        created_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_sessions_session_token_key UNIQUE (session_token),
        CONSTRAINT user_sessions_refresh_token_key UNIQUE (refresh_token),
        CONSTRAINT fk_user_sessions_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      )`);

    await db.query(`
      CREATE TABLE api_tokens (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id       uuid NOT NULL,
        name          varchar(100) NOT NULL,
        token_hash    varchar(64) NOT NULL,
        token_prefix  varchar(16) NOT NULL,
        expires_at    timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash),
        CONSTRAINT fk_api_tokens_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT chk_api_token_name_not_empty CHECK (char_length(name) > 0)
      )`);

    await db.query(`
      CREATE TABLE workspaces (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name         varchar(255) NOT NULL,
        slug         varchar(63) NOT NULL,
        owner_id     uuid NOT NULL,
        settings     jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        archived_at  timestamptz,
        CONSTRAINT workspaces_slug_key UNIQUE (slug),
        CONSTRAINT fk_workspaces_owner_id FOREIGN KEY (owner_id) REFERENCES users (id),
        CONSTRAINT chk_workspace_slug_format CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
        CONSTRAINT chk_workspace_name_not_empty CHECK (char_length(btrim(name)) > 0)
      )`);

    await db.query(`
      CREATE TABLE workspace_members (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id  uuid NOT NULL,
        user_id       uuid NOT NULL,
        role          workspace_role NOT NULL DEFAULT 'member',
        joined_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT workspace_members_workspace_user_key UNIQUE (workspace_id, user_id),
        CONSTRAINT fk_workspace_members_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
        CONSTRAINT fk_workspace_members_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      )`);

    // The owner must belong to the workspace: removing them first needs a transfer (409).
    await db.query(`
      CREATE TABLE projects (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id  uuid NOT NULL,
        name          varchar(255) NOT NULL,
        description   text,
        owner_id      uuid NOT NULL,
        status        project_status NOT NULL DEFAULT 'active',
        visibility    project_visibility NOT NULL DEFAULT 'private',
        settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        archived_at   timestamptz,
        CONSTRAINT projects_id_workspace_key UNIQUE (id, workspace_id),
        CONSTRAINT fk_projects_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
        CONSTRAINT fk_projects_owner_id FOREIGN KEY (owner_id) REFERENCES users (id),
        CONSTRAINT fk_projects_owner_membership FOREIGN KEY (workspace_id, owner_id)
          REFERENCES workspace_members (workspace_id, user_id),
        CONSTRAINT chk_project_name_not_empty CHECK (char_length(btrim(name)) > 0)
      )`);

    // A project member must be a member of the project's workspace: leaving the workspace
    // removes the project memberships with it.
    await db.query(`
      CREATE TABLE project_members (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id  uuid NOT NULL,
        project_id    uuid NOT NULL,
        user_id       uuid NOT NULL,
        role          project_role NOT NULL DEFAULT 'member',
        permissions   jsonb NOT NULL DEFAULT '{}'::jsonb,
        joined_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT project_members_project_user_key UNIQUE (project_id, user_id),
        CONSTRAINT fk_project_members_project_id FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
        CONSTRAINT fk_project_members_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT fk_project_members_project_workspace FOREIGN KEY (project_id, workspace_id)
          REFERENCES projects (id, workspace_id) ON DELETE CASCADE,
        CONSTRAINT fk_project_members_workspace_membership FOREIGN KEY (workspace_id, user_id)
          REFERENCES workspace_members (workspace_id, user_id) ON DELETE CASCADE
      )`);

    // A subtask lives in its parent's project; an assignee belongs to the task's workspace.
    await db.query(`
      CREATE TABLE tasks (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id     uuid NOT NULL,
        project_id       uuid NOT NULL,
        parent_task_id   uuid,
        title            varchar(255) NOT NULL,
        description      text,
        status           task_status NOT NULL DEFAULT 'pending',
        priority         task_priority NOT NULL DEFAULT 'medium',
        assignee_id      uuid,
        creator_id       uuid NOT NULL,
        due_date         timestamptz,
        estimated_hours  integer,
        actual_hours     integer,
        tags             text[] NOT NULL DEFAULT '{}'::text[],
        metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        completed_at     timestamptz,
        CONSTRAINT tasks_id_workspace_key UNIQUE (id, workspace_id),
        CONSTRAINT tasks_id_project_key UNIQUE (id, project_id),
        CONSTRAINT fk_tasks_project_workspace FOREIGN KEY (project_id, workspace_id)
          REFERENCES projects (id, workspace_id) ON DELETE CASCADE,
        CONSTRAINT fk_tasks_parent_same_project FOREIGN KEY (parent_task_id, project_id)
          REFERENCES tasks (id, project_id),
        CONSTRAINT fk_tasks_assignee_membership FOREIGN KEY (workspace_id, assignee_id)
          REFERENCES workspace_members (workspace_id, user_id) ON DELETE SET NULL (assignee_id),
        CONSTRAINT fk_tasks_creator_id FOREIGN KEY (creator_id) REFERENCES users (id),
        CONSTRAINT chk_estimated_hours_positive CHECK (estimated_hours IS NULL OR estimated_hours > 0),
        CONSTRAINT chk_actual_hours_positive CHECK (actual_hours IS NULL OR actual_hours > 0),
        CONSTRAINT chk_due_date_future CHECK (due_date IS NULL OR due_date > created_at),
        CONSTRAINT chk_task_not_own_parent CHECK (parent_task_id IS NULL OR parent_task_id <> id),
        CONSTRAINT chk_task_title_not_empty CHECK (char_length(btrim(title)) > 0)
      )`);

    await db.query(`
      CREATE TABLE task_dependencies (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id        uuid NOT NULL,
        task_id             uuid NOT NULL,
        depends_on_task_id  uuid NOT NULL,
        dependency_type     dependency_type NOT NULL DEFAULT 'blocks',
        created_at          timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT task_dependencies_task_depends_on_key UNIQUE (task_id, depends_on_task_id),
        CONSTRAINT fk_task_dependencies_task FOREIGN KEY (task_id, workspace_id)
          REFERENCES tasks (id, workspace_id) ON DELETE CASCADE,
        CONSTRAINT fk_task_dependencies_depends_on FOREIGN KEY (depends_on_task_id, workspace_id)
          REFERENCES tasks (id, workspace_id) ON DELETE CASCADE,
        CONSTRAINT chk_no_self_dependency CHECK (task_id != depends_on_task_id)
      )`);

    // change_summary is the summary of the change that produced the current version; the
    // versioning trigger copies it into document_versions.
    await db.query(`
      CREATE TABLE documents (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id    uuid NOT NULL,
        project_id      uuid NOT NULL,
        title           varchar(255) NOT NULL,
        content         text NOT NULL DEFAULT '',
        content_type    varchar(50) NOT NULL DEFAULT 'markdown',
        author_id       uuid NOT NULL,
        version         integer NOT NULL DEFAULT 1,
        status          document_status NOT NULL DEFAULT 'draft',
        tags            text[] NOT NULL DEFAULT '{}'::text[],
        metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
        change_summary  text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        published_at    timestamptz,
        CONSTRAINT documents_id_workspace_key UNIQUE (id, workspace_id),
        CONSTRAINT fk_documents_project_workspace FOREIGN KEY (project_id, workspace_id)
          REFERENCES projects (id, workspace_id) ON DELETE CASCADE,
        CONSTRAINT fk_documents_author_id FOREIGN KEY (author_id) REFERENCES users (id),
        CONSTRAINT chk_document_version_positive CHECK (version > 0),
        CONSTRAINT chk_document_title_not_empty CHECK (char_length(btrim(title)) > 0)
      )`);

    await db.query(`
      CREATE TABLE document_versions (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id    uuid NOT NULL,
        document_id     uuid NOT NULL,
        version_number  integer NOT NULL,
        title           varchar(255) NOT NULL,
        content         text NOT NULL,
        change_summary  text,
        author_id       uuid NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT document_versions_document_version_key UNIQUE (document_id, version_number),
        CONSTRAINT fk_document_versions_document FOREIGN KEY (document_id, workspace_id)
          REFERENCES documents (id, workspace_id) ON DELETE CASCADE,
        CONSTRAINT fk_document_versions_author_id FOREIGN KEY (author_id) REFERENCES users (id)
      )`);

    // entity_type/entity_id say what the file is attached to; project_id lets the policy
    // decide without a polymorphic look-up.
    await db.query(`
      CREATE TABLE file_attachments (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id       uuid NOT NULL,
        project_id         uuid NOT NULL,
        entity_type        varchar(50) NOT NULL,
        entity_id          uuid NOT NULL,
        filename           varchar(255) NOT NULL,
        original_filename  varchar(255) NOT NULL,
        file_size          bigint NOT NULL,
        mime_type          varchar(100) NOT NULL,
        storage_path       text NOT NULL,
        uploader_id        uuid NOT NULL,
        metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT fk_file_attachments_project_workspace FOREIGN KEY (project_id, workspace_id)
          REFERENCES projects (id, workspace_id) ON DELETE CASCADE,
        CONSTRAINT fk_file_attachments_uploader_id FOREIGN KEY (uploader_id) REFERENCES users (id),
        CONSTRAINT chk_file_size_positive CHECK (file_size > 0),
        CONSTRAINT chk_filename_not_empty CHECK (char_length(filename) > 0),
        CONSTRAINT chk_attachment_entity_type CHECK (entity_type IN ('task', 'document', 'project'))
      )`);

    // Written only by triggers. No foreign keys: the log outlives what it describes, and
    // tenant erasure deletes it explicitly.
    await db.query(`
      CREATE TABLE audit_events (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id    uuid NOT NULL,
        project_id      uuid,
        actor_id        uuid,
        table_name      varchar(63) NOT NULL,
        row_id          uuid NOT NULL,
        operation       varchar(6) NOT NULL,
        changed_fields  text[] NOT NULL DEFAULT '{}'::text[],
        before          jsonb,
        after           jsonb,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT chk_audit_operation CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE'))
      )`);

    await this.createIndexes(db);
  }

  private async createIndexes(db: QueryRunner): Promise<void> {
    const statements = [
      // From the schema design (names kept).
      `CREATE INDEX idx_users_email ON users (email)`,
      `CREATE INDEX idx_users_username ON users (username)`,
      `CREATE INDEX idx_users_status ON users (status)`,
      `CREATE INDEX idx_users_created_at ON users (created_at)`,
      `CREATE INDEX idx_user_sessions_user_id ON user_sessions (user_id)`,
      `CREATE INDEX idx_user_sessions_token ON user_sessions (session_token)`,
      `CREATE INDEX idx_user_sessions_expires_at ON user_sessions (expires_at)`,
      `CREATE INDEX idx_projects_owner_id ON projects (owner_id)`,
      `CREATE INDEX idx_projects_status ON projects (status)`,
      `CREATE INDEX idx_projects_created_at ON projects (created_at)`,
      `CREATE INDEX idx_tasks_project_id ON tasks (project_id)`,
      `CREATE INDEX idx_tasks_assignee_id ON tasks (assignee_id)`,
      `CREATE INDEX idx_tasks_status ON tasks (status)`,
      `CREATE INDEX idx_tasks_priority ON tasks (priority)`,
      `CREATE INDEX idx_tasks_due_date ON tasks (due_date)`,
      `CREATE INDEX idx_tasks_parent_task_id ON tasks (parent_task_id)`,
      `CREATE INDEX idx_documents_project_id ON documents (project_id)`,
      `CREATE INDEX idx_documents_author_id ON documents (author_id)`,
      `CREATE INDEX idx_documents_status ON documents (status)`,
      `CREATE INDEX idx_documents_created_at ON documents (created_at)`,
      `CREATE INDEX idx_user_sessions_user_active ON user_sessions (user_id, is_active)`,
      `CREATE INDEX idx_project_members_project_role ON project_members (project_id, role)`,
      `CREATE INDEX idx_tasks_project_status ON tasks (project_id, status)`,
      `CREATE INDEX idx_tasks_assignee_status ON tasks (assignee_id, status)`,
      `CREATE INDEX idx_tasks_project_priority ON tasks (project_id, priority)`,
      `CREATE INDEX idx_documents_project_status ON documents (project_id, status)`,
      `CREATE INDEX idx_users_metadata_gin ON users USING GIN (metadata)`,
      `CREATE INDEX idx_projects_settings_gin ON projects USING GIN (settings)`,
      `CREATE INDEX idx_tasks_metadata_gin ON tasks USING GIN (metadata)`,
      `CREATE INDEX idx_documents_metadata_gin ON documents USING GIN (metadata)`,
      `CREATE INDEX idx_user_preferences ON user_profiles USING GIN (preferences)`,
      `CREATE INDEX idx_project_settings_theme ON projects USING GIN ((settings -> 'theme'))`,
      // Tenant and access paths: membership look-ups by user, keyset lists by parent.
      `CREATE INDEX idx_api_tokens_user_id ON api_tokens (user_id)`,
      `CREATE INDEX idx_workspaces_owner_id ON workspaces (owner_id)`,
      `CREATE INDEX idx_workspace_members_user ON workspace_members (user_id, workspace_id, role)`,
      `CREATE INDEX idx_projects_workspace_created ON projects (workspace_id, created_at, id)`,
      `CREATE INDEX idx_projects_workspace_visibility ON projects (workspace_id, visibility)`,
      `CREATE INDEX idx_project_members_user ON project_members (user_id, project_id, role)`,
      `CREATE INDEX idx_project_members_workspace_user ON project_members (workspace_id, user_id)`,
      `CREATE INDEX idx_tasks_project_created ON tasks (project_id, created_at, id)`,
      `CREATE INDEX idx_tasks_workspace_assignee ON tasks (workspace_id, assignee_id)`,
      `CREATE INDEX idx_tasks_tags_gin ON tasks USING GIN (tags)`,
      `CREATE INDEX idx_task_dependencies_depends_on ON task_dependencies (depends_on_task_id)`,
      `CREATE INDEX idx_task_dependencies_workspace ON task_dependencies (workspace_id)`,
      `CREATE INDEX idx_documents_project_created ON documents (project_id, created_at, id)`,
      `CREATE INDEX idx_documents_workspace ON documents (workspace_id)`,
      `CREATE INDEX idx_document_versions_workspace ON document_versions (workspace_id)`,
      `CREATE INDEX idx_file_attachments_project_created ON file_attachments (project_id, created_at, id)`,
      `CREATE INDEX idx_file_attachments_entity ON file_attachments (entity_type, entity_id)`,
      `CREATE INDEX idx_file_attachments_workspace ON file_attachments (workspace_id)`,
      `CREATE INDEX idx_audit_events_project ON audit_events (project_id, id)`,
      `CREATE INDEX idx_audit_events_workspace ON audit_events (workspace_id, id)`,
    ];
    for (const sql of statements) await db.query(sql);
  }

  public async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'audit_events', 'file_attachments', 'document_versions', 'documents', 'task_dependencies',
      'tasks', 'project_members', 'projects', 'workspace_members', 'workspaces', 'api_tokens',
      'user_sessions', 'user_profiles', 'users',
    ]) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
