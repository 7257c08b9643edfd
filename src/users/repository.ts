import type { z } from 'zod';
import { selectList } from '../db/columns';
import type { TenantManager } from '../db/tenant';
import { UserProfile } from './entity';
import type { UpdateProfile } from './schemas';

/**
 * My profile (user_profiles, RLS: my own row only) on the request's EntityManager, created
 * empty by the first request that finds none. "Mine" is app_current_user_id(): the identity
 * the transaction runs as, the same one the policies read.
 */
export function profiles(em: TenantManager): ProfileRepository {
  return new ProfileRepository(em);
}

export class ProfileRepository {
  constructor(private readonly em: TenantManager) {}

  private get rows() {
    return this.em.getRepository(UserProfile);
  }

  private findMine(): Promise<UserProfile | null> {
    return this.rows.createQueryBuilder('p').where('p.userId = app_current_user_id()').getOne();
  }

  async mine(): Promise<UserProfile> {
    return (await this.findMine()) ?? this.createMine();
  }

  private async createMine(): Promise<UserProfile> {
    const result = await this.rows.createQueryBuilder('p')
      .insert()
      .values({ userId: () => 'app_current_user_id()' })
      .orIgnore()
      .returning(selectList(this.rows.metadata, 'p'))
      .updateEntity(false)
      .execute();
    const [row] = result.raw as UserProfile[];
    if (row) return this.rows.create(row);
    // A concurrent first request created it after this one looked: read it with a new snapshot.
    return (await this.findMine())!;
  }

  /** Each field the body names is set (null clears); the others keep their value. */
  async updateMine(change: z.output<typeof UpdateProfile>): Promise<UserProfile> {
    const changes: Record<string, unknown> = { ...change }; // TypeORM's deep-partial type cannot take jsonb's `unknown`
    const update = async () => {
      const result = await this.rows.createQueryBuilder()
        .update()
        .set(changes)
        .where('user_id = app_current_user_id()')
        .returning(selectList(this.rows.metadata, 'user_profiles'))
        .updateEntity(false)
        .execute();
      return (result.raw as UserProfile[])[0];
    };
    const updated = await update();
    if (updated) return this.rows.create(updated);
    await this.createMine(); // the first change of a profile never read
    return this.rows.create(await update());
  }
}
