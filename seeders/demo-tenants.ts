/**
 * The demo tenants: who is in them and with which role. The README and the demo banner
 * list these logins; every demo user has the same password.
 */
export const DEMO_PASSWORD = 'correct-horse-battery-staple';

export type WorkspaceRole = 'owner' | 'admin' | 'member' | 'guest';
export type ProjectRole = 'owner' | 'admin' | 'member' | 'viewer';
export type Visibility = 'private' | 'internal' | 'public';

export interface DemoPerson {
  email: string;
  username: string;
  firstName: string;
  lastName: string;
  /** Role in the workspace. */
  role: WorkspaceRole;
  /** What the banner says about them. */
  about: string;
}

export interface DemoTenant {
  name: string;
  slug: string;
  /** The first person is the workspace owner. */
  people: [DemoPerson, ...DemoPerson[]];
}

const person = (email: string, firstName: string, lastName: string, role: WorkspaceRole, about: string): DemoPerson => ({
  email, username: email.split('@')[0] + '_' + email.split('@')[1].split('.')[0], firstName, lastName, role, about,
});

export const DEMO_TENANTS: DemoTenant[] = [
  {
    name: 'Acme',
    slug: 'acme',
    people: [
      person('alice@acme.test', 'Alice', 'Anders', 'owner', 'owner of Acme'),
      person('adam@acme.test', 'Adam', 'Abbott', 'admin', 'Acme admin'),
      person('amber@acme.test', 'Amber', 'Ames', 'member', 'Acme member'),
      person('arthur@acme.test', 'Arthur', 'Acosta', 'member', 'Acme member'),
      person('ava@acme.test', 'Ava', 'Avery', 'member', 'Acme viewer (read-only in projects)'),
    ],
  },
  {
    name: 'Globex',
    slug: 'globex',
    people: [
      person('bob@globex.test', 'Bob', 'Baker', 'owner', 'owner of Globex'),
      person('beth@globex.test', 'Beth', 'Brooks', 'admin', 'Globex admin'),
      person('ben@globex.test', 'Ben', 'Bishop', 'member', 'Globex member'),
      person('bella@globex.test', 'Bella', 'Burke', 'member', 'Globex member'),
      person('basil@globex.test', 'Basil', 'Blair', 'member', 'Globex viewer (read-only in projects)'),
    ],
  },
  {
    name: 'Initech',
    slug: 'initech',
    people: [
      person('carol@initech.test', 'Carol', 'Carter', 'owner', 'owner of Initech'),
      person('chris@initech.test', 'Chris', 'Chen', 'admin', 'Initech admin'),
      person('clara@initech.test', 'Clara', 'Cole', 'member', 'Initech member'),
      person('colin@initech.test', 'Colin', 'Cruz', 'member', 'Initech member'),
      person('cora@initech.test', 'Cora', 'Craig', 'member', 'Initech viewer (read-only in projects)'),
    ],
  },
];

/**
 * The projects of every tenant, by the index of the person in `people`: owner, admin,
 * members, viewer. Each visibility appears at least once.
 */
export interface DemoProjectPlan {
  name: string;
  visibility: Visibility;
  status: 'active' | 'completed';
  /** [person index, project role]; the project owner (index `owner`) is added by trigger. */
  owner: number;
  members: Array<[number, Exclude<ProjectRole, 'owner'>]>;
  tasks: number;
  subtasks: number;
}

export const DEMO_PROJECTS: DemoProjectPlan[] = [
  { name: 'Website relaunch', visibility: 'internal', status: 'active', owner: 0, tasks: 14, subtasks: 6,
    members: [[1, 'admin'], [2, 'member'], [3, 'member'], [4, 'viewer']] },
  { name: 'Mobile app', visibility: 'private', status: 'active', owner: 1, tasks: 12, subtasks: 5,
    members: [[0, 'admin'], [2, 'member'], [4, 'viewer']] },
  { name: 'Public roadmap', visibility: 'public', status: 'active', owner: 0, tasks: 10, subtasks: 4,
    members: [[1, 'admin'], [3, 'member'], [4, 'viewer']] },
  { name: 'Office move', visibility: 'private', status: 'completed', owner: 0, tasks: 6, subtasks: 2,
    members: [[3, 'member']] },
];
