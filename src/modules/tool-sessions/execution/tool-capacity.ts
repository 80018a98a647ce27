import { ToolCapacityError } from '../tool-sessions.errors';

export interface CapacityLimits {
  /** Runs at once, all users (the worker processes). */
  slots: number;
  /** Runs at once per user. */
  perUser: number;
  /** Runs waiting per user. */
  perUserWaiting: number;
  /** Runs waiting, all users. */
  waiting: number;
  /** The longest a run waits for a slot before it is refused. */
  maxWaitMs: number;
}

/** A slot held by one run; released exactly once, when the run ends however it ends. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant(release: ReleaseSlot): void;
}

interface UserShare {
  running: number;
  waiting: Waiter[];
}

/** How long a refused client is told to wait: one short run's time, rounded up to a second. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Fair shares of the tool workers (issue 21): at most `perUser` runs of one user at once, the
 * rest of a user's runs waiting in that user's own line, and the lines served in turn, so one
 * user's burst never stands in front of another user's single run. Beyond the waiting limits,
 * or after `maxWaitMs` in line, a run is refused with `429 TOOL_CAPACITY` — never left to time
 * out. Process memory only: the workers it shares out are this instance's own.
 *
 * Written here because the pools (piscina, workerpool, tinypool) queue first come, first
 * served; none shares by key.
 */
export class ToolCapacity {
  private running = 0;
  private waitingTotal = 0;
  private readonly users = new Map<string, UserShare>();
  /** Users with runs waiting, in the order they are served next. */
  private readonly turns: string[] = [];

  constructor(private readonly limits: CapacityLimits) {}

  /** A slot for one of `userId`'s runs: at once, after a wait in line, or a refusal. */
  acquire(userId: string): Promise<ReleaseSlot> {
    const user = this.shareOf(userId);
    if (user.waiting.length === 0 && this.mayStart(user)) {
      return Promise.resolve(this.start(userId, user));
    }
    if (user.waiting.length >= this.limits.perUserWaiting) {
      return Promise.reject(new ToolCapacityError('user_queue', RETRY_AFTER_SECONDS));
    }
    if (this.waitingTotal >= this.limits.waiting) {
      return Promise.reject(new ToolCapacityError('queue', RETRY_AFTER_SECONDS));
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          clearTimeout(timer);
          resolve(release);
        },
      };
      const timer = setTimeout(() => {
        this.leaveLine(userId, waiter);
        reject(new ToolCapacityError('wait', RETRY_AFTER_SECONDS));
      }, this.limits.maxWaitMs);
      timer.unref();
      user.waiting.push(waiter);
      this.waitingTotal += 1;
      if (user.waiting.length === 1) this.turns.push(userId);
    });
  }

  /** Runs and waiting runs right now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waitingTotal };
  }

  private mayStart(user: UserShare): boolean {
    return this.running < this.limits.slots && user.running < this.limits.perUser;
  }

  private start(userId: string, user: UserShare): ReleaseSlot {
    this.running += 1;
    user.running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      user.running -= 1;
      this.forgetIfIdle(userId, user);
      this.serve();
    };
  }

  /** Hands free slots to waiting runs, one user's turn at a time. */
  private serve(): void {
    for (let skipped = 0; this.running < this.limits.slots && skipped < this.turns.length;) {
      const userId = this.turns.shift() as string;
      const user = this.users.get(userId) as UserShare;
      if (!this.mayStart(user)) {
        this.turns.push(userId); // at its own limit: the next user's turn
        skipped += 1;
        continue;
      }
      skipped = 0;
      const waiter = user.waiting.shift() as Waiter;
      this.waitingTotal -= 1;
      if (user.waiting.length > 0) this.turns.push(userId);
      waiter.grant(this.start(userId, user));
    }
  }

  private leaveLine(userId: string, waiter: Waiter): void {
    const user = this.users.get(userId);
    if (!user) return;
    const index = user.waiting.indexOf(waiter);
    if (index < 0) return;
    user.waiting.splice(index, 1);
    this.waitingTotal -= 1;
    if (user.waiting.length === 0) this.turns.splice(this.turns.indexOf(userId), 1);
    this.forgetIfIdle(userId, user);
  }

  private shareOf(userId: string): UserShare {
    let user = this.users.get(userId);
    if (!user) {
      user = { running: 0, waiting: [] };
      this.users.set(userId, user);
    }
    return user;
  }

  private forgetIfIdle(userId: string, user: UserShare): void {
    if (user.running === 0 && user.waiting.length === 0) this.users.delete(userId);
  }
}
