// The twelve NL→SQL tasks of the `sema4-demo` evaluator, over the database built by seed.ts.
// Questions state every choice an answer depends on (tie-breaks, rounding, what NULL means) so that one result
// set is right; gold queries order their rows only where the question asks for an order.

export interface SqlTask {
  id: string;
  question: string;
  gold_sql: string;
  tags: string[];
}

export const SQL_TASKS: readonly SqlTask[] = [
  {
    id: "sql-01-active-per-plan",
    question:
      "For every plan, how many active customers does it have? Include plans with no active customers (count 0). " +
      "Return the plan name and the count.",
    gold_sql: `SELECT p.name, COUNT(c.id) AS active_customers
FROM plans p LEFT JOIN customers c ON c.plan_id = p.id AND c.status = 'active'
GROUP BY p.id, p.name`,
    tags: ["join", "aggregate", "group-by"],
  },
  {
    id: "sql-02-avg-active-spend",
    question:
      "What is the average monthly spend of active customers, rounded to 2 decimals? " +
      "Customers whose spend is unknown are left out.",
    gold_sql: `SELECT ROUND(AVG(monthly_spend), 2) AS avg_spend FROM customers WHERE status = 'active'`,
    tags: ["aggregate", "null"],
  },
  {
    id: "sql-03-heavy-transactors",
    question:
      "Which customers made more than 25 transactions of any type? Return the customer id, name and number of " +
      "transactions, most transactions first and ties by customer id ascending.",
    gold_sql: `SELECT c.id, c.name, COUNT(*) AS transactions
FROM customers c JOIN transactions t ON t.customer_id = c.id
GROUP BY c.id, c.name
HAVING COUNT(*) > 25
ORDER BY transactions DESC, c.id`,
    tags: ["join", "group-by", "having", "order-limit", "ties"],
  },
  {
    id: "sql-04-q2-charges",
    question: "What was the total amount charged (transactions of type 'charge') from April through June 2024?",
    gold_sql: `SELECT SUM(amount) AS charged FROM transactions
WHERE type = 'charge' AND date >= '2024-04-01' AND date < '2024-07-01'`,
    tags: ["aggregate", "date"],
  },
  {
    id: "sql-05-top-spenders-with-ties",
    question:
      "Who are the top 5 customers by monthly spend? If several customers tie for 5th place, include all of them. " +
      "Return id, name and monthly spend, highest spend first and ties by id ascending.",
    gold_sql: `SELECT id, name, monthly_spend FROM customers
WHERE monthly_spend >= (
  SELECT monthly_spend FROM customers WHERE monthly_spend IS NOT NULL
  ORDER BY monthly_spend DESC LIMIT 1 OFFSET 4)
ORDER BY monthly_spend DESC, id`,
    tags: ["order-limit", "ties", "subquery", "null"],
  },
  {
    id: "sql-06-unknown-usage",
    question: "How many customers have no recorded data usage?",
    gold_sql: `SELECT COUNT(*) AS customers FROM customers WHERE data_used_gb IS NULL`,
    tags: ["null", "aggregate"],
  },
  {
    id: "sql-07-above-average-spenders",
    question:
      "Which active customers spend more per month than the average monthly spend of all customers whose spend " +
      "is known? Return their id and name.",
    gold_sql: `SELECT id, name FROM customers
WHERE status = 'active' AND monthly_spend > (SELECT AVG(monthly_spend) FROM customers)`,
    tags: ["subquery", "null", "aggregate"],
  },
  {
    id: "sql-08-over-data-limit",
    question:
      "Which customers have used more data than their plan allows? Plans without a data limit never count, nor do " +
      "customers whose usage is unknown. Return customer id, customer name, plan name, data used and the limit.",
    gold_sql: `SELECT c.id, c.name, p.name AS plan, c.data_used_gb, p.data_limit_gb
FROM customers c JOIN plans p ON p.id = c.plan_id
WHERE p.data_limit_gb IS NOT NULL AND c.data_used_gb > p.data_limit_gb`,
    tags: ["join", "null"],
  },
  {
    id: "sql-09-churned-active-in-december",
    question: "How many different churned customers had at least one transaction in December 2024?",
    gold_sql: `SELECT COUNT(DISTINCT c.id) AS customers
FROM customers c JOIN transactions t ON t.customer_id = c.id
WHERE c.status = 'churned' AND t.date BETWEEN '2024-12-01' AND '2024-12-31'`,
    tags: ["join", "date", "aggregate"],
  },
  {
    id: "sql-10-net-per-month",
    question:
      "What was the net amount per month in 2024, i.e. the sum of all transaction amounts (refunds are negative)? " +
      "Return the month as YYYY-MM and the net amount, in month order.",
    gold_sql: `SELECT strftime('%Y-%m', date) AS month, SUM(amount) AS net
FROM transactions
WHERE date >= '2024-01-01' AND date < '2025-01-01'
GROUP BY month
ORDER BY month`,
    tags: ["group-by", "date", "aggregate"],
  },
  {
    id: "sql-11-never-transacted",
    question: "Which customers have never made a transaction? Return their id and name.",
    gold_sql: `SELECT c.id, c.name FROM customers c
WHERE NOT EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id)`,
    tags: ["subquery", "null"],
  },
  {
    id: "sql-12-usage-by-large-plan",
    question:
      "For each plan with at least 50 customers (any status), what is the average data used, ignoring customers " +
      "whose usage is unknown? Return the plan name and the average rounded to 2 decimals.",
    gold_sql: `SELECT p.name, ROUND(AVG(c.data_used_gb), 2) AS avg_used_gb
FROM plans p JOIN customers c ON c.plan_id = p.id
GROUP BY p.id, p.name
HAVING COUNT(*) >= 50`,
    tags: ["join", "group-by", "having", "null"],
  },
];

export const SQL_DATASET_NAME = "SQL Gen Tasks";

/** A task as a Braintrust dataset row / eval case; the id keeps a re-push idempotent. */
export function taskToCase(task: SqlTask) {
  return {
    id: task.id,
    input: { question: task.question },
    expected: { gold_sql: task.gold_sql },
    metadata: { task_id: task.id, tags: task.tags },
    tags: task.tags,
  };
}
