// The load's social graph, the same in every process: a pure function of the
// plan. Users 0..writers-1 change their status; the next `receivers` users
// subscribe to `subscriptionsPerReceiver` writers each and are friends of
// some; the rest only hold a connection and heartbeat.

export interface GraphPlan {
  users: number;
  writers: number;
  receivers: number;
  subscriptionsPerReceiver: number;
  friendsPerWriter: number;
}

export const userId = (user: number): string => `u${user}`;
export const userIndex = (id: string): number => Number(id.slice(1));

export function isWriter(plan: GraphPlan, user: number): boolean {
  return user < plan.writers;
}

export function isReceiver(plan: GraphPlan, user: number): boolean {
  return user >= plan.writers && user < plan.writers + plan.receivers;
}

/** The writers a receiver subscribes to: consecutive blocks, so every writer has the same number of subscribers. */
export function subscriptionsOf(plan: GraphPlan, user: number): number[] {
  const r = user - plan.writers;
  const count = Math.min(plan.subscriptionsPerReceiver, plan.writers);
  return Array.from({ length: count }, (_, k) => (r * count + k) % plan.writers);
}

/** A writer's friends among the receivers (friendship is symmetric; the server's config file lists it once). */
export function friendsOfWriter(plan: GraphPlan, writer: number): number[] {
  const count = Math.min(plan.friendsPerWriter, plan.receivers);
  return Array.from({ length: count }, (_, k) => plan.writers + ((writer * 7919 + k * 104729) % plan.receivers));
}

/** The server configuration's `friends` map. */
export function friendsConfig(plan: GraphPlan): Record<string, string[]> {
  const friends: Record<string, string[]> = {};
  for (let w = 0; w < plan.writers; w++) {
    const list = friendsOfWriter(plan, w);
    if (list.length > 0) friends[userId(w)] = list.map(userId);
  }
  return friends;
}

/** Every receiver's set of writers it hears from (subscriptions and friends), for the generators' loss count. */
export function watchedWriters(plan: GraphPlan): Map<number, Set<number>> {
  const watched = new Map<number, Set<number>>();
  for (let u = plan.writers; u < plan.writers + plan.receivers; u++) watched.set(u, new Set(subscriptionsOf(plan, u)));
  for (let w = 0; w < plan.writers; w++) for (const friend of friendsOfWriter(plan, w)) watched.get(friend)!.add(w);
  return watched;
}

/** Each change goes to this many receivers on average. */
export function fanOut(plan: GraphPlan): number {
  let total = 0;
  for (const set of watchedWriters(plan).values()) total += set.size;
  return plan.writers === 0 ? 0 : total / plan.writers;
}
