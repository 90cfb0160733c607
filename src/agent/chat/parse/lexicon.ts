/** Words the builtin question parser knows: operations, comparators, fillers and synonyms. */

/** An aggregate or question type. */
export type Op =
  | 'count' | 'sum' | 'mean' | 'median' | 'min' | 'max' | 'std' | 'var' | 'nunique' | 'share'
  | 'corr' | 'distribution' | 'range' | 'duplicates' | 'missing' | 'outliers' | 'values';

/** Phrases (lowercase words) that ask for an operation; longer phrases are tried first. */
export const OP_PHRASES: [string, Op][] = [
  ['standard deviation', 'std'], ['std dev', 'std'], ['stdev', 'std'], ['std', 'std'], ['variance', 'var'], ['variability', 'std'],
  ['correlation', 'corr'], ['correlated', 'corr'], ['correlate', 'corr'], ['correlates', 'corr'], ['related', 'corr'], ['relationship', 'corr'], ['relation', 'corr'],
  ['outliers', 'outliers'], ['outlier', 'outliers'], ['anomalies', 'outliers'], ['extreme values', 'outliers'],
  ['duplicates', 'duplicates'], ['duplicate', 'duplicates'], ['duplicated', 'duplicates'], ['repeated', 'duplicates'],
  ['missing', 'missing'], ['nulls', 'missing'], ['null', 'missing'], ['nan', 'missing'], ['nans', 'missing'], ['blank', 'missing'], ['blanks', 'missing'], ['empty', 'missing'],
  ['distribution', 'distribution'], ['distributed', 'distribution'], ['breakdown', 'distribution'], ['broken down', 'distribution'], ['histogram', 'distribution'], ['spread', 'distribution'],
  ['percentage', 'share'], ['percent', 'share'], ['proportion', 'share'], ['share', 'share'], ['fraction', 'share'], ['%', 'share'],
  ['range', 'range'], ['span', 'range'], ['cover', 'range'], ['covers', 'range'], ['covered', 'range'],
  ['average', 'mean'], ['avg', 'mean'], ['mean', 'mean'], ['typical', 'mean'], ['median', 'median'],
  ['total', 'sum'], ['sum', 'sum'], ['combined', 'sum'],
  ['maximum', 'max'], ['max', 'max'], ['highest', 'max'], ['largest', 'max'], ['biggest', 'max'], ['greatest', 'max'], ['most', 'max'], ['latest', 'max'], ['newest', 'max'], ['oldest', 'max'],
  ['minimum', 'min'], ['min', 'min'], ['lowest', 'min'], ['smallest', 'min'], ['least', 'min'], ['fewest', 'min'], ['earliest', 'min'], ['youngest', 'min'],
  ['distinct', 'nunique'], ['unique', 'nunique'], ['different', 'nunique'],
  ['how many', 'count'], ['number of', 'count'], ['count of', 'count'], ['count', 'count'], ['counts', 'count'],
  ['possible values', 'values'], ['values of', 'values'], ['categories of', 'values'], ['levels of', 'values'],
];

/** Words after which a column is a grouping (or, after `top N … by`, the ranking value). */
export const GROUP_MARKERS = ['grouped by', 'broken down by', 'split by', 'for each', 'for every', 'in each', 'across', 'per', 'by', 'each'];

/** Comparator phrases before a number. */
export const COMPARATORS: [string, 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne'][] = [
  ['greater than or equal to', 'ge'], ['less than or equal to', 'le'], ['more than', 'gt'], ['greater than', 'gt'], ['higher than', 'gt'],
  ['larger than', 'gt'], ['bigger than', 'gt'], ['older than', 'gt'], ['over', 'gt'], ['above', 'gt'], ['exceeding', 'gt'], ['after', 'gt'],
  ['at least', 'ge'], ['no less than', 'ge'], ['since', 'ge'], ['from', 'ge'], ['less than', 'lt'], ['fewer than', 'lt'], ['lower than', 'lt'],
  ['smaller than', 'lt'], ['younger than', 'lt'], ['under', 'lt'], ['below', 'lt'], ['before', 'lt'], ['at most', 'le'], ['no more than', 'le'],
  ['up to', 'le'], ['until', 'le'], ['equal to', 'eq'], ['equals', 'eq'], ['exactly', 'eq'], ['aged', 'eq'], ['in', 'eq'],
  ['>=', 'ge'], ['<=', 'le'], ['>', 'gt'], ['<', 'lt'], ['=', 'eq'], ['==', 'eq'], ['!=', 'ne'], ['≠', 'ne'], ['≥', 'ge'], ['≤', 'le'],
];

/** Phrases after a number: "60 or over", "30 and above". */
export const TRAILING_COMPARATORS: [string, 'ge' | 'le' | 'gt' | 'lt'][] = [
  ['or more', 'ge'], ['or over', 'ge'], ['or above', 'ge'], ['or older', 'ge'], ['and over', 'ge'], ['and above', 'ge'], ['and older', 'ge'], ['plus', 'ge'], ['+', 'ge'],
  ['onwards', 'ge'], ['onward', 'ge'], ['or later', 'ge'], ['and later', 'ge'], ['or newer', 'ge'],
  ['or less', 'le'], ['or earlier', 'le'], ['and earlier', 'le'], ['or before', 'le'], ['or fewer', 'le'], ['or under', 'le'], ['or below', 'le'], ['or younger', 'le'], ['and under', 'le'], ['and below', 'le'], ['and younger', 'le'],
];

/** Words that negate the value after them ("not PhD", "without a PhD", "excluding Nintendo"). */
export const NEGATIONS = ['other than', 'apart from', 'neither', 'not', 'non', 'no', 'without', 'excluding', 'except', 'besides', "aren't", "isn't", "don't", "doesn't"];

/** Words that introduce a comparison of two groups. */
export const COMPARE_WORDS = ['compare', 'compared', 'comparison', 'versus', 'vs', 'difference', 'differ', 'than'];

/** Words that carry no meaning for the computation. */
export const FILLERS = new Set(
  `a an the of in on for to with by and or is are was were be been being do does did have has had there that this these those
  what which who whom whose how when where why me my our us we you your i it its they them their please show tell give list find
  get gets got about as at from into than then so only just also all any some much many each every data dataset datasets set table
  file files sheet csv column columns field fields value values number numbers amount level levels group groups category categories
  overall come comes came make makes made based here kind kinds sort type types let see know want need can could would should will
  one ones out up s per among between both either nor whether if whose him her his she he someone anyone people person persons
  customer customers client clients user users buyer buyers shopper shoppers reviewer reviewers game games title titles item items
  product products row rows record records entry entries observation observations line lines holder holders member members
  released published reviewed placed submitted recorded registered listed sold spend spent earn earns earned earning currently right now today overall roughly approximately
  around ever yet still them whole entire including included include given respectively figure figures stat stats
  statistic statistics metric metrics info information numbers mention mentions mentioned regarding concerning`.split(/\s+/),
);

/** Words that name things to count ("how many customers"): no column of their own. */
export const ENTITY_NOUNS = new Set(
  'customer customers client clients user users buyer buyers shopper shoppers reviewer reviewers people person persons game games title titles item items row rows record records entry entries observation observations line lines'.split(' '),
);

/** Everyday words for concepts a column may be named or described by (word → the concept's word). */
export const SYNONYMS: Record<string, string[]> = {
  income: ['salary', 'salaries', 'earnings', 'earn', 'earns', 'earned', 'earning', 'pay', 'paid', 'wage', 'wages', 'remuneration'],
  gender: ['sex'],
  age: ['old', 'older', 'younger', 'aged', 'ages'],
  year: ['released', 'release', 'releases', 'launched', 'launch', 'years'],
  published: ['publish', 'publishes', 'publishing', 'publisher', 'publishers', 'company', 'companies', 'studio', 'studios'],
  console: ['platform', 'platforms', 'consoles', 'system', 'systems'],
  qualification: ['education', 'degree', 'degrees', 'educated', 'qualifications'],
  genre: ['genres', 'category'],
  ranking: ['rank', 'ranked', 'ranks'],
  review: ['reviews', 'comment', 'comments', 'feedback'],
  spending: ['spend', 'spends', 'spent', 'spender', 'spenders'],
  eu: ['europe', 'european'],
  na: ['north america', 'north american', 'america', 'american', 'us', 'usa'],
  global: ['worldwide', 'world wide', 'world', 'globally'],
  sales: ['sold', 'sale', 'sell', 'sells', 'selling', 'revenue'],
};

/** Words about the age of a person: older/younger compare an age column; oldest is its max. */
export const AGE_WORDS = new Set(['old', 'older', 'oldest', 'young', 'younger', 'youngest', 'aged', 'age']);
/** Words about time: after/before/since compare a year or date column; oldest is its min. */
export const TIME_WORDS = new Set(['after', 'before', 'since', 'until', 'released', 'release', 'year', 'years', 'when', 'earliest', 'latest', 'newest', 'oldest']);

/** Everyday words for common values (value word → words meaning it). */
export const VALUE_SYNONYMS: Record<string, string[]> = {
  female: ['women', 'woman', 'ladies', 'lady', 'girls'],
  male: ['men', 'man', 'gentlemen', 'boys'],
};

/** People nouns: a bare "over 60" after them is an age (when the dataset has one age column). */
export const PERSON_NOUNS = new Set(['customer', 'customers', 'people', 'person', 'persons', 'user', 'users', 'client', 'clients', 'buyer', 'buyers', 'shopper', 'shoppers', 'reviewer', 'reviewers', 'men', 'women']);
