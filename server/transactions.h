// MULTI/EXEC state kept in ClientSession, cleared from outside the
// transaction commands too (RESET, a closed connection).
#pragma once

#include "server/client_session.h"

namespace tierkv::server {

class Server;

// Forgets every key the client WATCHes.
void unwatch_all(Server& server, ClientSession& client);
// Leaves MULTI (dropping the queued commands) and unwatches.
void discard_transaction(Server& server, ClientSession& client);

}  // namespace tierkv::server
