/**
 * A small built-in concept table for the offline embedding: words that mean the same thing in
 * data questions share a concept feature, so "income" or "salary" finds `remuneration (k£)`.
 * Keep groups tight: a word in two groups blurs both.
 */
export const CONCEPT_GROUPS: Record<string, string[]> = {
  income: ['income', 'salary', 'salaries', 'wage', 'wages', 'earnings', 'earn', 'earns', 'earning', 'pay', 'paid', 'remuneration', 'compensation', 'renumeration'],
  money: ['money', 'pound', 'pounds', 'gbp', 'dollar', 'dollars', 'usd', 'euro', 'euros', 'currency', 'k£', '£', '$', 'price', 'cost', 'monetary'],
  spending: ['spend', 'spends', 'spending', 'spent', 'expenditure', 'purchase', 'purchases', 'purchasing', 'buy', 'buys', 'buying', 'bought'],
  age: ['age', 'ages', 'aged', 'old', 'older', 'young', 'younger', 'birth', 'born'],
  gender: ['gender', 'sex', 'male', 'female', 'man', 'men', 'woman', 'women'],
  education: ['education', 'educational', 'qualification', 'qualifications', 'degree', 'diploma', 'graduate', 'postgraduate', 'undergraduate', 'phd', 'school', 'university', 'college'],
  score: ['score', 'scores', 'rating', 'ratings', 'rated', 'grade'],
  rank: ['rank', 'ranking', 'ranked', 'position', 'top'],
  loyalty: ['loyalty', 'points', 'point', 'reward', 'rewards', 'fidelity'],
  sales: ['sales', 'sale', 'sold', 'sell', 'sells', 'selling', 'units', 'revenue', 'turnover'],
  region: ['region', 'regions', 'country', 'countries', 'north', 'america', 'american', 'europe', 'european', 'eu', 'na', 'global', 'world', 'worldwide', 'international'],
  review: ['review', 'reviews', 'comment', 'comments', 'feedback', 'opinion', 'opinions', 'testimonial'],
  summary: ['summary', 'summaries', 'synopsis', 'headline', 'abstract'],
  product: ['product', 'products', 'item', 'items', 'sku', 'article', 'game', 'games', 'title'],
  platform: ['platform', 'platforms', 'console', 'consoles', 'device', 'web', 'website', 'online', 'channel'],
  time: ['year', 'years', 'date', 'dates', 'released', 'release', 'launched', 'launch', 'when', 'time'],
  publisher: ['publisher', 'publishers', 'published', 'company', 'companies', 'studio', 'developer', 'manufacturer', 'vendor', 'brand'],
  genre: ['genre', 'genres', 'category', 'categories', 'kind', 'type', 'class'],
  missing: ['missing', 'null', 'nulls', 'nan', 'empty', 'blank', 'blanks', 'none', 'absent', 'unknown', 'incomplete'],
  duplicate: ['duplicate', 'duplicates', 'duplicated', 'repeated', 'dupe', 'dupes', 'twice'],
  outlier: ['outlier', 'outliers', 'anomaly', 'anomalies', 'extreme', 'unusual', 'abnormal'],
  customer: ['customer', 'customers', 'client', 'clients', 'user', 'users', 'buyer', 'buyers', 'shopper', 'consumer', 'consumers', 'person', 'people'],
  language: ['language', 'languages', 'english', 'en', 'locale', 'lang'],
  identifier: ['id', 'ids', 'identifier', 'code', 'codes', 'key', 'unique'],
  count: ['count', 'many', 'total', 'amount', 'quantity'],
  average: ['average', 'mean', 'avg', 'typical', 'median'],
};

/** word → concept names. */
export const CONCEPTS_BY_WORD: Map<string, string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const [concept, words] of Object.entries(CONCEPT_GROUPS))
    for (const w of words) m.set(w, [...(m.get(w) ?? []), concept]);
  return m;
})();
