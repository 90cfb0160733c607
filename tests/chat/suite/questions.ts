/**
 * The chat question suite over the bundled Turtle Games data: realistic questions in every class
 * of issue 16, each with its expected answer as a pandas expression evaluated when the suite runs
 * (`reviews`, `sales`, `run_dir`, `removed`, `changes`, `report` are defined; see run-suite.ts),
 * or the part a refusal must name. Questions sharing a `thread` are asked in order, in one thread.
 */

/** One question of the suite. */
export interface SuiteQuestion {
  /** The question as a user types it. */
  q: string;
  /** Its class (for the per-class figures). */
  cls: string;
  /** Python expression (pandas) for the expected answer: a number, a {label: number} mapping, a [label, …] list, or text. */
  py?: string;
  /** A refusal is expected; it must name this (case-insensitive). */
  refuse?: string;
  /** Questions of one thread are asked in order (follow-ups). */
  thread?: string;
}

const R = 'reviews';
const S = 'sales';
const REM = `${R}["remuneration (k£)"]`;
const SPEND = `${R}["spending_score (1-100)"]`;
const LOY = `${R}["loyalty_points"]`;
const tukey = (col: string) => `int(((${col} < ${col}.quantile(.25) - 1.5 * (${col}.quantile(.75) - ${col}.quantile(.25))) | (${col} > ${col}.quantile(.75) + 1.5 * (${col}.quantile(.75) - ${col}.quantile(.25)))).sum())`;

export const QUESTIONS: SuiteQuestion[] = [
  // --- filters with an aggregate ---------------------------------------------------------
  { cls: 'filter', q: 'What is the average remuneration of customers with a PhD?', py: `${REM}[${R}.education == "PhD"].mean()` },
  { cls: 'filter', q: 'How many games were released after 2010?', py: `int((${S}.Year > 2010).sum())` },
  { cls: 'filter', q: 'How many customers are older than 50?', py: `int((${R}.age > 50).sum())` },
  { cls: 'filter', q: 'average spending score of female customers', py: `${SPEND}[${R}.gender == "Female"].mean()` },
  { cls: 'filter', q: 'What is the median loyalty points of customers aged between 30 and 40?', py: `${LOY}[${R}.age.between(30, 40)].median()` },
  { cls: 'filter', q: 'total global sales of Nintendo games', py: `${S}.Global_Sales[${S}.Publisher == "Nintendo"].sum()` },
  { cls: 'filter', q: 'How many Wii games are in turtle_sales?', py: `int((${S}.Platform == "Wii").sum())` },
  { cls: 'filter', q: 'What is the maximum EU sales for sports games?', py: `${S}.EU_Sales[${S}.Genre == "Sports"].max()` },
  { cls: 'filter', q: 'minimum age of customers with a postgraduate degree', py: `${R}.age[${R}.education == "postgraduate"].min()` },
  { cls: 'filter', q: 'What is the standard deviation of loyalty points for male customers?', py: `${LOY}[${R}.gender == "Male"].std()` },
  { cls: 'filter', q: 'How many reviews come from customers without a PhD?', py: `int((${R}.education != "PhD").sum())` },
  { cls: 'filter', q: 'average age of customers who are not graduates', py: `${R}.age[${R}.education != "graduate"].mean()` },
  { cls: 'filter', q: 'How many games were released before 2000?', py: `int((${S}.Year < 2000).sum())` },
  { cls: 'filter', q: 'How many games were released in 2010?', py: `int((${S}.Year == 2010).sum())` },
  { cls: 'filter', q: 'total NA sales for games released since 2012', py: `${S}.NA_Sales[${S}.Year >= 2012].sum()` },
  { cls: 'filter', q: 'average global sales of Wii or DS games', py: `${S}.Global_Sales[${S}.Platform.isin(["Wii", "DS"])].mean()` },
  { cls: 'filter', q: 'How many customers have a spending score above 80?', py: `int((${SPEND} > 80).sum())` },
  { cls: 'filter', q: 'How many customers earn more than 70k?', py: `int((${REM} > 70).sum())` },
  { cls: 'filter', q: 'how many customers have a spending score below 20 and more than 3000 loyalty points?', py: `int(((${SPEND} < 20) & (${LOY} > 3000)).sum())` },
  { cls: 'filter', q: 'mean remuneration of PhD customers older than 40', py: `${REM}[(${R}.education == "PhD") & (${R}.age > 40)].mean()` },
  { cls: 'filter', q: 'How many action games did Activision publish?', py: `int(((${S}.Genre == "Action") & (${S}.Publisher == "Activision")).sum())` },
  { cls: 'filter', q: 'What is the total EU sales of PS4 games?', py: `${S}.EU_Sales[${S}.Platform == "PS4"].sum()` },
  { cls: 'filter', q: 'average NA sales of racing games released after 2005', py: `${S}.NA_Sales[(${S}.Genre == "Racing") & (${S}.Year > 2005)].mean()` },
  { cls: 'filter', q: 'How many customers are younger than 25?', py: `int((${R}.age < 25).sum())` },
  { cls: 'filter', q: 'How many customers are aged 60 or over?', py: `int((${R}.age >= 60).sum())` },
  { cls: 'filter', q: 'maximum remuneration of diploma holders', py: `${REM}[${R}.education == "diploma"].max()` },
  { cls: 'filter', q: 'How many games have global sales over 10 million?', py: `int((${S}.Global_Sales > 10).sum())` },
  { cls: 'filter', q: 'median global sales of games released between 2000 and 2009', py: `${S}.Global_Sales[${S}.Year.between(2000, 2009)].median()` },
  { cls: 'filter', q: 'What is the average spending score of customers with a remuneration under 30?', py: `${SPEND}[${REM} < 30].mean()` },
  { cls: 'filter', q: 'How many female customers have a PhD?', py: `int(((${R}.gender == "Female") & (${R}.education == "PhD")).sum())` },
  { cls: 'filter', q: 'total global sales of games not published by Nintendo', py: `${S}.Global_Sales[${S}.Publisher != "Nintendo"].sum()` },
  { cls: 'filter', q: 'How many customers with a Basic education are there?', py: `int((${R}.education == "Basic").sum())` },
  { cls: 'filter', q: 'How many platform games are there?', py: `int((${S}.Genre == "Platform").sum())` },
  { cls: 'filter', q: 'Sum of NA sales for shooter games on X360', py: `${S}.NA_Sales[(${S}.Genre == "Shooter") & (${S}.Platform == "X360")].sum()` },
  { cls: 'filter', q: 'What is the lowest spending score among customers older than 65?', py: `${SPEND}[${R}.age > 65].min()` },
  { cls: 'filter', q: 'What is the average age of male customers?', py: `${R}.age[${R}.gender == "Male"].mean()` },
  { cls: 'filter', q: 'How many games from Electronic Arts are in the sales data?', py: `int((${S}.Publisher == "Electronic Arts").sum())` },
  { cls: 'filter', q: 'how many role-playing games were released after 2008?', py: `int(((${S}.Genre == "Role-Playing") & (${S}.Year > 2008)).sum())` },

  // --- whole-column aggregates -------------------------------------------------------------
  { cls: 'aggregate', q: 'What is the average age of customers?', py: `${R}.age.mean()` },
  { cls: 'aggregate', q: 'What is the standard deviation of remuneration?', py: `${REM}.std()` },
  { cls: 'aggregate', q: 'median spending score', py: `${SPEND}.median()` },
  { cls: 'aggregate', q: 'What are the total global sales?', py: `${S}.Global_Sales.sum()` },
  { cls: 'aggregate', q: 'highest loyalty points', py: `${LOY}.max()` },
  { cls: 'aggregate', q: 'What is the lowest remuneration in turtle_reviews?', py: `${REM}.min()` },
  { cls: 'aggregate', q: 'How many distinct publishers are there?', py: `int(${S}.Publisher.nunique())` },
  { cls: 'aggregate', q: 'How many different platforms are in the sales data?', py: `int(${S}.Platform.nunique())` },
  { cls: 'aggregate', q: 'How many unique products were reviewed?', py: `int(${R}["product"].nunique())` },
  { cls: 'aggregate', q: 'mean EU sales', py: `${S}.EU_Sales.mean()` },
  { cls: 'aggregate', q: 'variance of age', py: `${R}.age.var()` },
  { cls: 'aggregate', q: 'What is the sum of NA sales?', py: `${S}.NA_Sales.sum()` },
  { cls: 'aggregate', q: 'What is the average income of customers?', py: `${REM}.mean()` },
  { cls: 'aggregate', q: 'How many genres are there in turtle_sales?', py: `int(${S}.Genre.nunique())` },
  { cls: 'aggregate', q: 'How old is the oldest customer?', py: `int(${R}.age.max())` },
  { cls: 'aggregate', q: 'What is the age of the youngest customer?', py: `int(${R}.age.min())` },

  // --- shares ------------------------------------------------------------------------------
  { cls: 'share', q: 'What share of customers are female?', py: `100 * (${R}.gender == "Female").mean()` },
  { cls: 'share', q: 'What percentage of games are published by Nintendo?', py: `100 * (${S}.Publisher == "Nintendo").mean()` },
  { cls: 'share', q: 'What proportion of customers have a PhD?', py: `100 * (${R}.education == "PhD").mean()` },
  { cls: 'share', q: 'What percentage of customers are older than 60?', py: `100 * (${R}.age > 60).mean()` },
  { cls: 'share', q: "What is Nintendo's share of global sales?", py: `100 * ${S}.Global_Sales[${S}.Publisher == "Nintendo"].sum() / ${S}.Global_Sales.sum()` },
  { cls: 'share', q: 'what share of games were released after 2010?', py: `100 * (${S}.Year > 2010).sum() / len(${S})` },

  // --- group by ----------------------------------------------------------------------------
  { cls: 'group', q: 'average spending score by education', py: `${SPEND}.groupby(${R}.education).mean()` },
  { cls: 'group', q: 'What is the average remuneration by gender?', py: `${REM}.groupby(${R}.gender).mean()` },
  { cls: 'group', q: 'count of customers by education', py: `${R}.education.value_counts()` },
  { cls: 'group', q: 'number of games per platform', py: `${S}.Platform.value_counts()` },
  { cls: 'group', q: 'total global sales by genre', py: `${S}.groupby("Genre").Global_Sales.sum()` },
  { cls: 'group', q: 'average EU sales per publisher', py: `${S}.groupby("Publisher").EU_Sales.mean()` },
  { cls: 'group', q: 'median age by gender and education', py: `${R}.groupby(["gender", "education"]).age.median()` },
  { cls: 'group', q: 'maximum loyalty points for each education level', py: `${LOY}.groupby(${R}.education).max()` },
  { cls: 'group', q: 'How many games did each publisher release after 2010?', py: `${S}[${S}.Year > 2010].Publisher.value_counts()` },
  { cls: 'group', q: 'average loyalty points by gender for PhD customers', py: `${LOY}[${R}.education == "PhD"].groupby(${R}.gender).mean()` },
  { cls: 'group', q: 'total NA sales by genre and platform for Nintendo', py: `${S}[${S}.Publisher == "Nintendo"].groupby(["Genre", "Platform"]).NA_Sales.sum()` },
  { cls: 'group', q: 'mean remuneration per education', py: `${REM}.groupby(${R}.education).mean()` },
  { cls: 'group', q: 'number of reviews per gender', py: `${R}.gender.value_counts()` },
  { cls: 'group', q: 'average global sales by year', py: `${S}.groupby("Year").Global_Sales.mean()` },
  { cls: 'group', q: 'How many customers of each gender have a spending score above 50?', py: `${R}[${SPEND} > 50].gender.value_counts()` },
  { cls: 'group', q: 'std of spending score by gender', py: `${SPEND}.groupby(${R}.gender).std()` },
  { cls: 'group', q: 'total EU sales across genres', py: `${S}.groupby("Genre").EU_Sales.sum()` },
  { cls: 'group', q: 'average age grouped by education', py: `${R}.groupby("education").age.mean()` },

  // --- top / bottom N ----------------------------------------------------------------------
  { cls: 'top', q: 'top 5 products by global sales', py: `${S}.groupby("Product").Global_Sales.sum().nlargest(5)` },
  { cls: 'top', q: 'top 3 genres by total NA sales', py: `${S}.groupby("Genre").NA_Sales.sum().nlargest(3)` },
  { cls: 'top', q: 'bottom 3 platforms by EU sales', py: `${S}.groupby("Platform").EU_Sales.sum().nsmallest(3)` },
  { cls: 'top', q: 'Which 5 publishers have the highest global sales?', py: `${S}.groupby("Publisher").Global_Sales.sum().nlargest(5)` },
  { cls: 'top', q: 'top 5 products by average spending score', py: `${SPEND}.groupby(${R}["product"]).mean().nlargest(5)` },
  { cls: 'top', q: 'Which genre has the highest total global sales?', py: `${S}.groupby("Genre").Global_Sales.sum().nlargest(1)` },
  { cls: 'top', q: 'Which platform has the lowest average global sales?', py: `${S}.groupby("Platform").Global_Sales.mean().nsmallest(1)` },
  { cls: 'top', q: 'Which education level has the highest average remuneration?', py: `${REM}.groupby(${R}.education).mean().nlargest(1)` },
  { cls: 'top', q: 'top 10 publishers by number of games', py: `${S}.Publisher.value_counts().nlargest(10)` },
  { cls: 'top', q: 'Which 3 products have the most reviews?', py: `${R}["product"].value_counts().nlargest(3)` },
  { cls: 'top', q: 'top 4 years by global sales', py: `${S}.groupby("Year").Global_Sales.sum().nlargest(4)` },
  { cls: 'top', q: 'bottom 5 products by average loyalty points', py: `${LOY}.groupby(${R}["product"]).mean().nsmallest(5)` },
  { cls: 'top', q: 'top 3 publishers by EU sales after 2010', py: `${S}[${S}.Year > 2010].groupby("Publisher").EU_Sales.sum().nlargest(3)` },
  { cls: 'top', q: 'which gender has the highest average spending score?', py: `${SPEND}.groupby(${R}.gender).mean().nlargest(1)` },
  { cls: 'top', q: 'the 3 most common genres', py: `${S}.Genre.value_counts().nlargest(3)` },
  { cls: 'top', q: 'most common education level', py: `${R}.education.value_counts().nlargest(1)` },

  // --- correlation -------------------------------------------------------------------------
  { cls: 'correlation', q: 'correlation between age and spending score', py: `${R}.age.corr(${SPEND})` },
  { cls: 'correlation', q: 'What is the correlation between remuneration and loyalty points?', py: `${REM}.corr(${LOY})` },
  { cls: 'correlation', q: 'Is NA sales correlated with EU sales?', py: `${S}.NA_Sales.corr(${S}.EU_Sales)` },
  { cls: 'correlation', q: 'correlation of global sales and year', py: `${S}.Global_Sales.corr(${S}.Year)` },
  { cls: 'correlation', q: 'how strongly is spending score related to loyalty points?', py: `${SPEND}.corr(${LOY})` },
  { cls: 'correlation', q: 'correlation between income and spending score for female customers', py: `${REM}[${R}.gender == "Female"].corr(${SPEND}[${R}.gender == "Female"])` },
  { cls: 'correlation', q: 'correlation between age and loyalty points', py: `${R}.age.corr(${LOY})` },

  // --- distribution ------------------------------------------------------------------------
  { cls: 'distribution', q: 'distribution of education', py: `${R}.education.value_counts()` },
  { cls: 'distribution', q: 'What is the distribution of genres?', py: `${S}.Genre.value_counts()` },
  { cls: 'distribution', q: 'distribution of age', py: `{"min": ${R}.age.min(), "25%": ${R}.age.quantile(.25), "median": ${R}.age.median(), "75%": ${R}.age.quantile(.75), "max": ${R}.age.max()}` },
  { cls: 'distribution', q: 'show me the distribution of global sales', py: `{"min": ${S}.Global_Sales.min(), "25%": ${S}.Global_Sales.quantile(.25), "median": ${S}.Global_Sales.median(), "75%": ${S}.Global_Sales.quantile(.75), "max": ${S}.Global_Sales.max()}` },
  { cls: 'distribution', q: 'breakdown of customers by gender', py: `${R}.gender.value_counts()` },
  { cls: 'distribution', q: 'distribution of platforms for Nintendo games', py: `${S}[${S}.Publisher == "Nintendo"].Platform.value_counts()` },
  { cls: 'distribution', q: 'distribution of remuneration', py: `{"min": ${REM}.min(), "25%": ${REM}.quantile(.25), "median": ${REM}.median(), "75%": ${REM}.quantile(.75), "max": ${REM}.max()}` },

  // --- date / value range ------------------------------------------------------------------
  { cls: 'range', q: 'What years does the sales data cover?', py: `[int(${S}.Year.min()), int(${S}.Year.max())]` },
  { cls: 'range', q: 'What is the range of release years?', py: `[int(${S}.Year.min()), int(${S}.Year.max())]` },
  { cls: 'range', q: 'What is the earliest release year?', py: `int(${S}.Year.min())` },
  { cls: 'range', q: 'latest year in turtle_sales', py: `int(${S}.Year.max())` },
  { cls: 'range', q: 'When was the oldest game released?', py: `int(${S}.Year.min())` },
  { cls: 'range', q: 'What is the range of age in turtle_reviews?', py: `[int(${R}.age.min()), int(${R}.age.max())]` },
  { cls: 'range', q: 'range of remuneration', py: `[${REM}.min(), ${REM}.max()]` },
  { cls: 'range', q: 'What years do the Wii games span?', py: `[int(${S}.Year[${S}.Platform == "Wii"].min()), int(${S}.Year[${S}.Platform == "Wii"].max())]` },

  // --- duplicates --------------------------------------------------------------------------
  { cls: 'duplicates', q: 'How many duplicate rows are in turtle_reviews?', py: `int(${R}.duplicated().sum())` },
  { cls: 'duplicates', q: 'Are there duplicate rows in the sales data?', py: `int(${S}.duplicated().sum())` },
  { cls: 'duplicates', q: 'How many duplicated products are in turtle_sales?', py: `int(${S}.Product.duplicated().sum())` },
  { cls: 'duplicates', q: 'how many duplicate reviews are there?', py: `int(${R}.review.duplicated().sum())` },

  // --- missing values ----------------------------------------------------------------------
  { cls: 'missing', q: 'How many missing values does Global_Sales have?', py: `int(${S}.Global_Sales.isna().sum())` },
  { cls: 'missing', q: 'Which columns have missing values in turtle_sales?', py: `{c: int(n) for c, n in ${S}.isna().sum().items() if n}` },
  { cls: 'missing', q: 'How many missing values are in Year?', py: `int(${S}.Year.isna().sum())` },
  { cls: 'missing', q: 'Are there missing values in turtle_reviews?', py: `int(${R}.isna().sum().sum())` },
  { cls: 'missing', q: 'how many nulls does EU_Sales have?', py: `int(${S}.EU_Sales.isna().sum())` },
  { cls: 'missing', q: 'how many rows of turtle_sales have a missing year?', py: `int(${S}.Year.isna().sum())` },

  // --- outliers ----------------------------------------------------------------------------
  { cls: 'outliers', q: 'Are there outliers in global sales?', py: tukey(`${S}.Global_Sales`) },
  { cls: 'outliers', q: 'How many outliers does remuneration have?', py: tukey(REM) },
  { cls: 'outliers', q: 'outliers in loyalty points', py: tukey(LOY) },
  { cls: 'outliers', q: 'how many outliers are there in NA sales?', py: tukey(`${S}.NA_Sales`) },
  { cls: 'outliers', q: 'any outliers in age?', py: tukey(`${R}.age`) },

  // --- comparison of two groups ------------------------------------------------------------
  { cls: 'compare', q: 'Compare the average remuneration of PhD and graduate customers', py: `{k: ${REM}[${R}.education == k].mean() for k in ["PhD", "graduate"]}` },
  { cls: 'compare', q: 'Do female customers have a higher spending score than male customers?', py: `{k: ${SPEND}[${R}.gender == k].mean() for k in ["Female", "Male"]}` },
  { cls: 'compare', q: 'compare total global sales of Nintendo and Activision', py: `{k: ${S}.Global_Sales[${S}.Publisher == k].sum() for k in ["Nintendo", "Activision"]}` },
  { cls: 'compare', q: 'PhD vs graduate average age', py: `{k: ${R}.age[${R}.education == k].mean() for k in ["PhD", "graduate"]}` },
  { cls: 'compare', q: 'difference in average loyalty points between males and females', py: `{k: ${LOY}[${R}.gender == k].mean() for k in ["Male", "Female"]}` },
  { cls: 'compare', q: 'compare average EU sales of Wii and PS3 games', py: `{k: ${S}.EU_Sales[${S}.Platform == k].mean() for k in ["Wii", "PS3"]}` },
  { cls: 'compare', q: 'Do postgraduates earn more than diploma holders?', py: `{k: ${REM}[${R}.education == k].mean() for k in ["postgraduate", "diploma"]}` },

  // --- what the data is --------------------------------------------------------------------
  { cls: 'meaning', q: 'What does remuneration mean?', py: `"Total income per customer per year in pounds, where k=1000."` },
  { cls: 'meaning', q: 'What does Global_Sales mean?', py: `"Total sales in the world"` },
  { cls: 'meaning', q: 'what is the spending score?', py: `"based on the customer’s spending nature"` },
  { cls: 'schema', q: 'What columns does turtle_sales have?', py: `list(${S}.columns)` },
  { cls: 'schema', q: 'How many rows does turtle_reviews have?', py: `len(${R})` },
  { cls: 'schema', q: 'how many games are in the sales data?', py: `len(${S})` },
  { cls: 'schema', q: 'which columns are in the reviews data?', py: `list(${R}.columns)` },
  { cls: 'schema', q: 'what are the possible values of education?', py: `list(${R}.education.value_counts().index)` },
  { cls: 'schema', q: 'which platforms are in the sales data?', py: `sorted(${S}.Platform.unique())` },

  // --- follow-ups in a thread --------------------------------------------------------------
  { cls: 'followup', thread: 'f1', q: 'What is the average remuneration of customers with a PhD?', py: `${REM}[${R}.education == "PhD"].mean()` },
  { cls: 'followup', thread: 'f1', q: 'and by gender?', py: `${REM}[${R}.education == "PhD"].groupby(${R}.gender).mean()` },
  { cls: 'followup', thread: 'f2', q: 'total NA sales by genre', py: `${S}.groupby("Genre").NA_Sales.sum()` },
  { cls: 'followup', thread: 'f2', q: 'what about EU sales?', py: `${S}.groupby("Genre").EU_Sales.sum()` },
  { cls: 'followup', thread: 'f3', q: 'What is the average age of customers?', py: `${R}.age.mean()` },
  { cls: 'followup', thread: 'f3', q: 'and the median?', py: `${R}.age.median()` },
  { cls: 'followup', thread: 'f4', q: 'average spending score by education', py: `${SPEND}.groupby(${R}.education).mean()` },
  { cls: 'followup', thread: 'f4', q: 'what does that column mean?', py: `"based on the customer’s spending nature"` },
  { cls: 'followup', thread: 'f5', q: 'average loyalty points of female customers', py: `${LOY}[${R}.gender == "Female"].mean()` },
  { cls: 'followup', thread: 'f5', q: 'and for males?', py: `${LOY}[${R}.gender == "Male"].mean()` },
  { cls: 'followup', thread: 'f6', q: 'top 5 publishers by global sales', py: `${S}.groupby("Publisher").Global_Sales.sum().nlargest(5)` },
  { cls: 'followup', thread: 'f6', q: 'and the bottom 5?', py: `${S}.groupby("Publisher").Global_Sales.sum().nsmallest(5)` },
  { cls: 'followup', thread: 'f7', q: 'average remuneration by education', py: `${REM}.groupby(${R}.education).mean()` },
  { cls: 'followup', thread: 'f7', q: 'only for females', py: `${REM}[${R}.gender == "Female"].groupby(${R}.education).mean()` },
  { cls: 'followup', thread: 'f8', q: 'How many games were released after 2010?', py: `int((${S}.Year > 2010).sum())` },
  { cls: 'followup', thread: 'f8', q: 'and for Nintendo?', py: `int(((${S}.Year > 2010) & (${S}.Publisher == "Nintendo")).sum())` },

  // --- questions about runs ----------------------------------------------------------------
  { cls: 'runs', q: 'What did the last cleaning run change?', py: `report["cells_changed"]` },
  { cls: 'runs', q: 'what did the last run on turtle_sales remove?', py: `report["rows_removed"]` },
  { cls: 'runs', q: 'What did the last run on turtle_sales flag?', py: `sum(report["cells_flagged_by_rule"].values())` },
  { cls: 'runs', q: 'Why was row 0 removed?', py: `removed[removed["row"] == 0]["reason"].iloc[0]` },
  { cls: 'runs', q: 'what did the last run change in Year?', py: `report["cells_changed_by_column"]["Year"]` },

  // --- not answerable: the refusal names what is missing -----------------------------------
  { cls: 'unanswerable', q: 'What is the average customer_satisfaction?', refuse: 'satisfaction' },
  { cls: 'unanswerable', q: 'average customer satisfaction by customer_segment', refuse: 'satisfaction' },
  { cls: 'unanswerable', q: 'How many games were sold in Japan?', refuse: 'Japan' },
  { cls: 'unanswerable', q: 'What is the average price of products?', refuse: 'price' },
  { cls: 'unanswerable', q: 'average spending score of customers from London', refuse: 'London' },
  { cls: 'unanswerable', q: 'What is the profit margin by genre?', refuse: 'profit' },
  { cls: 'unanswerable', q: 'average rating of reviews', refuse: 'rating' },
  { cls: 'unanswerable', q: 'How many PS5 games are there?', refuse: 'PS5' },
  { cls: 'unanswerable', q: "average age of customers with a master's degree", refuse: 'master' },
  { cls: 'unanswerable', q: 'median income of customers in Scotland', refuse: 'Scotland' },
  { cls: 'unanswerable', q: 'top 5 publishers by sales', refuse: 'sales' },
  { cls: 'unanswerable', q: 'what is the churn rate?', refuse: 'churn' },
  { cls: 'unanswerable', q: 'average delivery time by platform', refuse: 'delivery' },
  { cls: 'unanswerable', q: 'how many customers bought more than 3 products?', refuse: 'bought' },

  // --- the same classes, asked differently ------------------------------------------------
  { cls: 'filter', q: 'How many customers over 60 are there?', py: `int((${R}.age > 60).sum())` },
  { cls: 'filter', q: 'average loyalty points for customers with an income above 80', py: `${LOY}[${REM} > 80].mean()` },
  { cls: 'filter', q: 'How many Sports games were published by Nintendo?', py: `int(((${S}.Genre == "Sports") & (${S}.Publisher == "Nintendo")).sum())` },
  { cls: 'filter', q: 'total EU sales for games released in 2015', py: `${S}.EU_Sales[${S}.Year == 2015].sum()` },
  { cls: 'filter', q: 'count of games with NA sales below 1', py: `int((${S}.NA_Sales < 1).sum())` },
  { cls: 'filter', q: 'what is the mean age of PhD holders?', py: `${R}.age[${R}.education == "PhD"].mean()` },
  { cls: 'filter', q: 'median spending score for women', py: `${SPEND}[${R}.gender == "Female"].median()` },
  { cls: 'filter', q: 'How many men are in the reviews data?', py: `int((${R}.gender == "Male").sum())` },
  { cls: 'filter', q: 'number of PS3 or X360 shooter games', py: `int((${S}.Platform.isin(["PS3","X360"]) & (${S}.Genre == "Shooter")).sum())` },
  { cls: 'filter', q: 'What is the highest global sales figure for a racing game?', py: `${S}.Global_Sales[${S}.Genre == "Racing"].max()` },
  { cls: 'filter', q: 'average remuneration of customers aged 30 to 40', py: `${REM}[${R}.age.between(30, 40)].mean()` },
  { cls: 'filter', q: 'How many games released from 2005 to 2010?', py: `int(${S}.Year.between(2005, 2010).sum())` },
  { cls: 'filter', q: 'sum of global sales for Ubisoft', py: `${S}.Global_Sales[${S}.Publisher == "Ubisoft"].sum()` },
  { cls: 'filter', q: 'How many customers are exactly 30 years old?', py: `int((${R}.age == 30).sum())` },
  { cls: 'filter', q: 'minimum loyalty points among graduates', py: `${LOY}[${R}.education == "graduate"].min()` },
  { cls: 'aggregate', q: 'what is the mean of NA_Sales?', py: `${S}.NA_Sales.mean()` },
  { cls: 'aggregate', q: 'How many products are in turtle_reviews?', py: `int(${R}["product"].nunique())` },
  { cls: 'aggregate', q: 'Give me the total of EU sales', py: `${S}.EU_Sales.sum()` },
  { cls: 'aggregate', q: 'std dev of global sales', py: `${S}.Global_Sales.std()` },
  { cls: 'share', q: 'What percent of games are shooters?', py: `100 * (${S}.Genre == "Shooter").mean()` },
  { cls: 'share', q: 'share of reviews from graduates', py: `100 * (${R}.education == "graduate").mean()` },
  { cls: 'group', q: 'average age per gender', py: `${R}.age.groupby(${R}.gender).mean()` },
  { cls: 'group', q: 'total global sales per platform', py: `${S}.groupby("Platform").Global_Sales.sum()` },
  { cls: 'group', q: 'How many games are there in each genre?', py: `${S}.Genre.value_counts()` },
  { cls: 'group', q: 'mean loyalty points broken down by education', py: `${LOY}.groupby(${R}.education).mean()` },
  { cls: 'group', q: 'median remuneration by education and gender', py: `${REM}.groupby([${R}.education, ${R}.gender]).median()` },
  { cls: 'top', q: 'Which 3 platforms have the most games?', py: `${S}.Platform.value_counts().nlargest(3)` },
  { cls: 'top', q: 'top 5 genres by EU sales', py: `${S}.groupby("Genre").EU_Sales.sum().nlargest(5)` },
  { cls: 'top', q: 'which publisher sold the most games globally?', py: `${S}.groupby("Publisher").Global_Sales.sum().nlargest(1)` },
  { cls: 'top', q: 'What are the 3 best selling genres in Europe?', py: `${S}.groupby("Genre").EU_Sales.sum().nlargest(3)` },
  { cls: 'top', q: 'lowest 3 products by total global sales', py: `${S}.groupby("Product").Global_Sales.sum().nsmallest(3)` },
  { cls: 'correlation', q: 'is there a correlation between age and remuneration?', py: `${R}.age.corr(${REM})` },
  { cls: 'correlation', q: 'correlation between EU and NA sales', py: `${S}.EU_Sales.corr(${S}.NA_Sales)` },
  { cls: 'distribution', q: 'how is age distributed?', py: `{"min": ${R}.age.min(), "median": ${R}.age.median(), "max": ${R}.age.max()}` },
  { cls: 'distribution', q: 'distribution of customers by education', py: `${R}.education.value_counts()` },
  { cls: 'range', q: 'what is the earliest and latest release year?', py: `[int(${S}.Year.min()), int(${S}.Year.max())]` },
  { cls: 'range', q: 'min and max spending score', py: `[int(${SPEND}.min()), int(${SPEND}.max())]` },
  { cls: 'duplicates', q: 'are there any duplicated rows in turtle_sales?', py: `int(${S}.duplicated().sum())` },
  { cls: 'duplicates', q: 'how many duplicate summaries are there?', py: `int(${R}.summary.duplicated().sum())` },
  { cls: 'missing', q: 'does the sales data have nulls?', py: `int(${S}.isna().sum().sum())` },
  { cls: 'missing', q: 'missing values in remuneration', py: `int(${REM}.isna().sum())` },
  { cls: 'outliers', q: 'Does spending score have outliers?', py: tukey(SPEND) },
  { cls: 'outliers', q: 'find outliers in EU sales', py: tukey(`${S}.EU_Sales`) },
  { cls: 'compare', q: 'compare the average spending score of males and females', py: `{k: ${SPEND}[${R}.gender == k].mean() for k in ["Male", "Female"]}` },
  { cls: 'compare', q: 'Wii vs DS total global sales', py: `{k: ${S}.Global_Sales[${S}.Platform == k].sum() for k in ["Wii", "DS"]}` },
  { cls: 'compare', q: 'Who earns more, PhDs or postgraduates?', py: `{k: ${REM}[${R}.education == k].mean() for k in ["PhD", "postgraduate"]}` },
  { cls: 'meaning', q: 'what does loyalty_points mean?', py: `"A score based on the point value of the purchase"` },
  { cls: 'meaning', q: 'explain the Ranking column', py: `"World ranking of the game"` },
  { cls: 'followup', thread: 'p1', q: 'average remuneration by gender', py: `${REM}.groupby(${R}.gender).mean()` },
  { cls: 'followup', thread: 'p1', q: 'and by education?', py: `${REM}.groupby(${R}.education).mean()` },
  { cls: 'followup', thread: 'p2', q: 'total global sales of Wii games', py: `${S}.Global_Sales[${S}.Platform == "Wii"].sum()` },
  { cls: 'followup', thread: 'p2', q: 'what about DS?', py: `${S}.Global_Sales[${S}.Platform == "DS"].sum()` },
  { cls: 'followup', thread: 'p3', q: 'How many customers have a PhD?', py: `int((${R}.education == "PhD").sum())` },
  { cls: 'followup', thread: 'p3', q: 'and how many of them are female?', py: `int(((${R}.education == "PhD") & (${R}.gender == "Female")).sum())` },
  { cls: 'unanswerable', q: 'What is the average shipping cost?', refuse: 'shipping' },
  { cls: 'unanswerable', q: 'how many customers live in Manchester?', refuse: 'Manchester' },
  { cls: 'unanswerable', q: 'average spending score of customers with a Masters', refuse: 'Masters' },
  { cls: 'unanswerable', q: 'total sales in Asia', refuse: 'Asia' },
  { cls: 'unanswerable', q: 'How many Xbox Series X games are there?', refuse: 'Series' },
  { cls: 'unanswerable', q: 'Why do PhD customers spend less than graduates?', refuse: 'why' },
];
