// Placeholder until the IDE bundle lands: keeps `npm run build` working.
