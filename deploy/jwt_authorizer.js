// provider.httpApi.authorizers for the `auth` parameter: the JWT authorizer with auth=jwt,
// none otherwise. Checked here so that a missing issuer or audience fails the build with a
// message, not the deploy in CloudFormation. jwtAudience may list several, comma-separated.
module.exports = async ({ resolveVariable }) => {
  if ((await resolveVariable('param:auth')) !== 'jwt') return {};
  const issuerUrl = String(await resolveVariable('param:jwtIssuer')).trim();
  const audience = String(await resolveVariable('param:jwtAudience'))
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
  if (!issuerUrl.startsWith('https://') || audience.length === 0) {
    throw new Error(
      'auth=jwt needs --param="jwtIssuer=https://<issuer>" and --param="jwtAudience=<audience>"'
    );
  }
  return {
    jwt: { type: 'jwt', identitySource: '$request.header.Authorization', issuerUrl, audience },
  };
};
