// Consume an SQS batch and report only the messages that failed (Node.js).

function processOrder(order) {
  if (!order || typeof order !== "object" || !("orderId" in order)) {
    throw new Error("message has no orderId");
  }
  if (!(Number(order.quantity) > 0)) {
    throw new Error("quantity must be positive");
  }
  console.log(`order ${order.orderId}: ${order.quantity} x ${order.sku}`);
}

export const handler = async (event) => {
  const records = event?.Records;
  if (!Array.isArray(records) || records.length === 0 || records[0].eventSource !== "aws:sqs") {
    throw new TypeError("Expected an SQS event (try the sqs template)");
  }

  const batchItemFailures = [];
  for (const record of records) {
    try {
      processOrder(JSON.parse(record.body)); // JSON.parse throws a SyntaxError on a broken body
    } catch (error) {
      console.error(`message ${record.messageId} failed: ${error.message}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }

  // Needs ReportBatchItemFailures on the event source mapping. Only the listed messages go back
  // to the queue; the others are deleted. An empty list means the whole batch succeeded.
  console.log(`${batchItemFailures.length} of ${records.length} messages failed`);
  return { batchItemFailures };
};
