/** Users and organisations: who am I, does this owner exist, is it a User or an Organization. */
import { RouteTable } from '../context';
import { notFound } from '../errors';
import { renderOrg, renderPrivateUser, renderPublicUser } from '../render';

export const userRoutes: RouteTable = {
  'GET /user': ({ viewer, state, urls }) => ({ status: 200, json: renderPrivateUser(state, viewer.account, urls) }),

  'GET /users/{username}': ({ params, state, urls }) => {
    const account = state.account(params.username);
    if (!account) throw notFound();
    // organisations answer here too, with type "Organization"
    return { status: 200, json: renderPublicUser(state, account, urls) };
  },

  'GET /orgs/{org}': ({ params, state, urls }) => {
    const account = state.account(params.org);
    if (!account || account.type !== 'Organization') throw notFound();
    return { status: 200, json: renderOrg(state, account, urls) };
  },
};
