import { assert } from './assert.js';

/**
 * A first-in first-out queue with a hard maximum length. `push` refuses (returns false) when full,
 * so a caller decides what dropping means; nothing grows without limit.
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** A queue that holds at most `lengthMax` items. */
  constructor(readonly lengthMax: number) {
    assert(Number.isInteger(lengthMax) && lengthMax > 0, `lengthMax must be a positive integer, got ${lengthMax}`);
  }

  /** How many items are queued. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends `item`; false (and nothing changes) when the queue is full. */
  push(item: T): boolean {
    if (this.length >= this.lengthMax) return false;
    this.items.push(item);
    return true;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Removes every item. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
