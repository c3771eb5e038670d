#include "kafka/kafka_client.h"

namespace kprogress {

const char* group_state_name(GroupState s) {
  switch (s) {
    case GroupState::kUnknown: return "UNKNOWN";
    case GroupState::kPreparingRebalance: return "PREPARING_REBALANCE";
    case GroupState::kCompletingRebalance: return "COMPLETING_REBALANCE";
    case GroupState::kStable: return "STABLE";
    case GroupState::kDead: return "DEAD";
    case GroupState::kEmpty: return "EMPTY";
  }
  return "UNKNOWN";
}

}  // namespace kprogress
