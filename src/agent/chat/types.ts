/** Chat mode: answers questions about the datasets with read-only tools. */

export interface ChatQuestion {
  /** Conversation key: history is kept per thread. */
  threadRef: string;
  userId: string;
  text: string;
}

export interface ChatAnswer {
  /** Markdown-ish text for the thread. */
  text: string;
  /** Datasets the answer used. */
  datasets: string[];
  /** Columns the answer used. */
  columns: string[];
  /** Set when the question was not answered: what is missing and the closest candidates. */
  refused?: { missing: string; candidates: string[] };
  /** Set when no answer could be produced (e.g. the model returned nothing): callers exit non-zero. */
  failed?: boolean;
}

export interface ChatAgent {
  answer(question: ChatQuestion, signal?: AbortSignal): Promise<ChatAnswer>;
  /** Releases the agent's warm sandbox (optional: placeholder agents have none). */
  close?(): Promise<void>;
}
