import { AuditEvent } from '../activity/entity';
import { FileAttachment } from '../attachments/entity';
import { ApiToken, UserSession } from '../auth/entity';
import { Document, DocumentVersion } from '../documents/entity';
import { Project, ProjectMember } from '../projects/entity';
import { Task, TaskDependency } from '../tasks/entity';
import { User, UserProfile } from '../users/entity';
import { Workspace, WorkspaceMember } from '../workspaces/entity';

// Every TypeORM entity, for the app's DataSource and the CLI's.
export const ENTITIES = [
  User, UserProfile, UserSession, ApiToken, Workspace, WorkspaceMember, Project, ProjectMember,
  Task, TaskDependency, Document, DocumentVersion, FileAttachment, AuditEvent,
];
