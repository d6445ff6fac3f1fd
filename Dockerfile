FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck && npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
USER node
EXPOSE 8080
# What `npm start` runs (package.json; test/unit/ops/start-command.test.ts keeps the two equal): the
# compiled build (ops/build.ts) with the V8 settings measured in ops/bench/RESULTS.md.
CMD ["node", "--max-semi-space-size=32", "--v8-pool-size=2", "dist/api/main.js"]
