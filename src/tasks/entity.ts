import {
  Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation,
} from 'typeorm';
import { Project } from '../projects/entity';
import { User } from '../users/entity';
import { WorkspaceMember } from '../workspaces/entity';

// Mirrors migrations/ (see src/users/entity.ts for what update/insert: false mean here).

export const TASK_STATUSES = ['pending', 'in_progress', 'review', 'done', 'cancelled', 'blocked'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TASK_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
export const DEPENDENCY_TYPES = ['blocks', 'relates_to', 'duplicates', 'subtask_of'] as const;
export type DependencyType = (typeof DEPENDENCY_TYPES)[number];

@Entity({ name: 'tasks' })
@Unique('tasks_id_workspace_key', ['id', 'workspaceId'])
@Unique('tasks_id_project_key', ['id', 'projectId'])
@Check('chk_estimated_hours_positive', 'estimated_hours IS NULL OR estimated_hours > 0')
@Check('chk_actual_hours_positive', 'actual_hours IS NULL OR actual_hours > 0')
@Check('chk_due_date_future', 'due_date IS NULL OR due_date > created_at')
@Check('chk_task_not_own_parent', 'parent_task_id IS NULL OR parent_task_id <> id')
@Check('chk_task_title_not_empty', 'char_length(btrim(title)) > 0')
@Index('idx_tasks_project_id', ['projectId'])
@Index('idx_tasks_assignee_id', ['assigneeId'])
@Index('idx_tasks_status', ['status'])
@Index('idx_tasks_priority', ['priority'])
@Index('idx_tasks_due_date', ['dueDate'])
@Index('idx_tasks_parent_task_id', ['parentTaskId'])
@Index('idx_tasks_project_status', ['projectId', 'status'])
@Index('idx_tasks_assignee_status', ['assigneeId', 'status'])
@Index('idx_tasks_project_priority', ['projectId', 'priority'])
@Index('idx_tasks_metadata_gin', ['metadata'], { type: 'gin' })
@Index('idx_tasks_project_created', ['projectId', 'createdAt', 'id'])
@Index('idx_tasks_workspace_assignee', ['workspaceId', 'assigneeId'])
@Index('idx_tasks_tags_gin', ['tags'], { type: 'gin' })
export class Task {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'tasks_pkey' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', update: false })
  workspaceId: string;

  @Column({ name: 'project_id', type: 'uuid', update: false })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'project_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_tasks_project_workspace' },
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
  ])
  project: Relation<Project>;

  @Column({ name: 'parent_task_id', type: 'uuid', nullable: true })
  parentTaskId: string | null;

  // A subtask lives in its parent's project. No cascade: a task with subtasks cannot be
  // deleted until they are.
  @ManyToOne(() => Task)
  @JoinColumn([
    { name: 'parent_task_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_tasks_parent_same_project' },
    { name: 'project_id', referencedColumnName: 'projectId' },
  ])
  parentTask: Relation<Task> | null;

  @Column({ type: 'varchar', length: 255 })
  title: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'enum', enum: TASK_STATUSES, enumName: 'task_status', default: 'pending' })
  status: TaskStatus;

  @Column({ type: 'enum', enum: TASK_PRIORITIES, enumName: 'task_priority', default: 'medium' })
  priority: TaskPriority;

  @Column({ name: 'assignee_id', type: 'uuid', nullable: true })
  assigneeId: string | null;

  // The assignee belongs to the task's workspace; leaving it unassigns the task
  // (ON DELETE SET NULL (assignee_id) keeps workspace_id).
  @ManyToOne(() => WorkspaceMember, { onDelete: 'SET NULL' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId', foreignKeyConstraintName: 'fk_tasks_assignee_membership' },
    { name: 'assignee_id', referencedColumnName: 'userId' },
  ])
  assigneeMembership: Relation<WorkspaceMember> | null;

  @Column({ name: 'creator_id', type: 'uuid', update: false })
  creatorId: string;

  @ManyToOne(() => User)
  @JoinColumn({ name: 'creator_id', foreignKeyConstraintName: 'fk_tasks_creator_id' })
  creator: Relation<User>;

  @Column({ name: 'due_date', type: 'timestamptz', nullable: true })
  dueDate: Date | null;

  @Column({ name: 'estimated_hours', type: 'integer', nullable: true })
  estimatedHours: number | null;

  @Column({ name: 'actual_hours', type: 'integer', nullable: true })
  actualHours: number | null;

  @Column({ type: 'text', array: true, default: [] })
  tags: string[];

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  updatedAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;
}

// Immutable once made (delete and re-add). A trigger rejects cycles, not only self-loops.
@Entity({ name: 'task_dependencies' })
@Unique('task_dependencies_task_depends_on_key', ['taskId', 'dependsOnTaskId'])
@Check('chk_no_self_dependency', 'task_id != depends_on_task_id')
@Index('idx_task_dependencies_depends_on', ['dependsOnTaskId'])
@Index('idx_task_dependencies_workspace', ['workspaceId'])
export class TaskDependency {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'task_dependencies_pkey' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', update: false })
  workspaceId: string;

  @Column({ name: 'task_id', type: 'uuid', update: false })
  taskId: string;

  @ManyToOne(() => Task, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'task_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_task_dependencies_task' },
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
  ])
  task: Relation<Task>;

  @Column({ name: 'depends_on_task_id', type: 'uuid', update: false })
  dependsOnTaskId: string;

  @ManyToOne(() => Task, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'depends_on_task_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_task_dependencies_depends_on' },
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
  ])
  dependsOn: Relation<Task>;

  @Column({ name: 'dependency_type', type: 'enum', enum: DEPENDENCY_TYPES, enumName: 'dependency_type', default: 'blocks', update: false })
  dependencyType: DependencyType;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;
}
