// Resolve hook for peer-redirect.mjs: a framework import from outside node_modules resolves as if
// made from this package's directory. Imports inside node_modules (the frameworks' own) are untouched.
const here = new URL('./package.json', import.meta.url).href;
const redirected = /^(@nestjs\/(common|core|testing|terminus)|awilix)(\/.*)?$/;

export async function resolve(specifier, context, nextResolve) {
  if (redirected.test(specifier) && context.parentURL !== undefined && !context.parentURL.includes('/node_modules/')) {
    return nextResolve(specifier, { ...context, parentURL: here });
  }
  return nextResolve(specifier, context);
}
