import { ClsServiceManager } from 'nestjs-cls';
import { abandonableDatabaseWork, databaseWorkAbandoned } from './sql';

/**
 * A request answered 503 while its transaction still waited on a frozen database abandons that
 * work: the transaction runs in a CLS context nested (copied) before the abandonment, and must
 * see it, or it would commit when the database answers again.
 */
describe('abandonableDatabaseWork', () => {
  const cls = ClsServiceManager.getClsService();

  it('is seen by a context nested before the work was abandoned (the transaction)', async () => {
    await cls.run(async () => {
      const work = abandonableDatabaseWork();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const transaction = cls.run({ ifNested: 'inherit' }, async () => {
        expect(databaseWorkAbandoned()).toBe(false);
        await gate; // waiting on the frozen database
        return databaseWorkAbandoned();
      });
      work.abandon(); // the request was answered 503 meanwhile
      release();
      expect(await transaction).toBe(true);
      expect(databaseWorkAbandoned()).toBe(true);
    });
  });

  it('abandons only its own work', async () => {
    const other = cls.run(async () => {
      abandonableDatabaseWork();
      await new Promise((resolve) => setTimeout(resolve, 10));
      return databaseWorkAbandoned();
    });
    cls.run(() => abandonableDatabaseWork().abandon());
    expect(await other).toBe(false);
    expect(databaseWorkAbandoned()).toBe(false);
  });
});
