// A REST API (API Gateway proxy integration, payload 1.0) in one Node.js function.

// A tiny in-memory "table". It lives as long as the execution environment.
const ITEMS = new Map([
  ["101", { id: "101", name: "Notebook", price: 4.5 }],
  ["102", { id: "102", name: "Pencil", price: 0.8 }],
]);

// The only shape API Gateway accepts back from a proxy integration. Anything else (no
// statusCode, a body that is an object and not a string) makes API Gateway answer 502.
function response(statusCode, body) {
  return {
    statusCode,
    headers: { "Content-Type": "application/json" },
    multiValueHeaders: {},
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

export const handler = async (event) => {
  if (!event || typeof event !== "object" || !("httpMethod" in event) || !("path" in event)) {
    throw new TypeError("Expected an API Gateway REST proxy event (try api-gateway-v1)");
  }
  const method = event.httpMethod;
  const parts = event.path.split("/").filter(Boolean); // "/items/101" -> ["items", "101"]
  console.log(`${method} ${event.path}`);

  if (parts.length === 1 && parts[0] === "items" && method === "GET") {
    return response(200, { items: [...ITEMS.values()] });
  }

  if (parts.length === 1 && parts[0] === "items" && method === "POST") {
    let raw = event.body ?? "";
    if (event.isBase64Encoded) raw = Buffer.from(raw, "base64").toString("utf8");
    let item;
    try {
      item = JSON.parse(raw);
    } catch {
      item = null;
    }
    const price = Number(item?.price);
    if (typeof item?.name !== "string" || item.price === undefined || Number.isNaN(price)) {
      return response(400, { message: 'Body must be JSON like {"name": "Pen", "price": 1.5}' });
    }
    const id = String(101 + ITEMS.size);
    ITEMS.set(id, { id, name: item.name, price });
    return response(201, ITEMS.get(id));
  }

  if (parts.length === 2 && parts[0] === "items" && method === "GET") {
    const item = ITEMS.get(parts[1]);
    if (!item) return response(404, { message: `Item ${parts[1]} not found` });
    return response(200, item);
  }

  return response(404, { message: `No route for ${method} ${event.path}` });
};
