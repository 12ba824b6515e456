# One image for both processes: `npm run start:api` or `npm run start:worker`.
FROM node:20-bookworm-slim
# pkcs11js (HSM CA keys) is a native addon built by node-gyp at install.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY apps/api/package.json apps/api/
COPY apps/cli/package.json apps/cli/
COPY apps/worker/package.json apps/worker/
COPY packages/config/package.json packages/config/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/pki/package.json packages/pki/
COPY packages/process/package.json packages/process/
RUN npm ci --omit=dev --ignore-scripts=false || npm ci
COPY . .
USER node
EXPOSE 8080
CMD ["npm", "run", "start:api"]
