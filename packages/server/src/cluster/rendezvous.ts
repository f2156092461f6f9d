import type { ClusterMember } from "../store/cluster-store.ts";

/** FNV-1a over a string's UTF-16 units, finished with murmur3's mixer so nearby keys spread. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The owner of a stream (`key`: project and path) among `members`: the one with the highest hash of its id
 * with the key (rendezvous hashing). Every server computes the same owner from the same live set, and when a
 * member joins or leaves only the streams it gains or held move.
 *
 * @example
 * const owner = ownerOf(members, "default\u0000/orders");
 */
export function ownerOf(members: readonly ClusterMember[], key: string): ClusterMember {
  let best = members[0]!;
  let bestHash = -1;
  for (const member of members) {
    const value = hash(`${member.id}\u0000${key}`);
    if (value > bestHash || (value === bestHash && member.id < best.id)) {
      best = member;
      bestHash = value;
    }
  }
  return best;
}
