/** Per-thread chat history, bounded in turns, characters and number of threads (oldest dropped). */
import type { ChatMessage } from '../models/types.js';

/** One question and its answer. */
export interface ChatTurn {
  /** The user's text. */
  question: string;
  /** The answer given (without the sources line). */
  answer: string;
  /** Datasets the answer used. */
  datasets: string[];
  /** Columns the answer used. */
  columns: string[];
  /** The builtin answerer's resolved question (a parse Frame), for follow-ups. */
  frame?: unknown;
}

/** Bounds of the history. */
export interface HistoryLimits {
  /** Turns kept per thread. Default 8. */
  maxTurns?: number;
  /** Characters kept per thread (oldest turns dropped first). Default 12 000. */
  maxChars?: number;
  /** Threads kept (least recently used dropped). Default 500. */
  maxThreads?: number;
}

export class ChatHistory {
  private readonly threads = new Map<string, ChatTurn[]>();
  constructor(private readonly limits: HistoryLimits = {}) {}

  /** The thread's turns, oldest first. */
  turns(threadRef: string): ChatTurn[] {
    return this.threads.get(threadRef) ?? [];
  }

  /** The thread's turns as alternating user/assistant messages. */
  messages(threadRef: string): ChatMessage[] {
    return this.turns(threadRef).flatMap((t) => [
      { role: 'user' as const, content: t.question },
      { role: 'assistant' as const, content: t.answer },
    ]);
  }

  /** Appends a turn, enforcing the bounds. */
  add(threadRef: string, turn: ChatTurn): void {
    const turns = [...this.turns(threadRef), turn];
    const maxTurns = this.limits.maxTurns ?? 8;
    const maxChars = this.limits.maxChars ?? 12_000;
    while (turns.length > maxTurns) turns.shift();
    while (turns.length > 1 && turns.reduce((n, t) => n + t.question.length + t.answer.length, 0) > maxChars) turns.shift();
    this.threads.delete(threadRef);
    this.threads.set(threadRef, turns);
    const maxThreads = this.limits.maxThreads ?? 500;
    while (this.threads.size > maxThreads) this.threads.delete(this.threads.keys().next().value as string);
  }
}
