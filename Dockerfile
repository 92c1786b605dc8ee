# One image for the API, the worker and the migration job; the command picks the role.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --omit=dev --ignore-scripts \
 && npm install --no-save prisma@6.19.3 \
 && DATABASE_URL=postgresql://build/unused npx prisma generate
COPY . .
USER node
CMD ["node", "--import", "tsx", "api/main.ts"]
