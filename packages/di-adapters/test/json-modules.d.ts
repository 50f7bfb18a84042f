// awilix exports no package.json; vitest.config.ts aliases it for test/peer-versions.test.ts
declare module 'awilix/package.json' {
  const manifest: { readonly version: string };
  export default manifest;
}
