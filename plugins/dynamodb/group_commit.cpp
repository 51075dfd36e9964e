#include "plugins/dynamodb/group_commit.hpp"

#include "gateway/core/blocking_pool.hpp"

namespace gh::plugins::dynamodb {

DynamoError GroupCommit::error_of(std::exception_ptr thrown) {
  try {
    std::rethrow_exception(thrown);
  } catch (const std::exception& e) {
    return DynamoError::internal(std::string("Internal server error (") + e.what() + ")");
  } catch (...) {
    return DynamoError::internal("Internal server error");
  }
}

void GroupCommit::submit(Job job) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(job));
  if (draining_) return;  // the running drain takes it with its next group
  draining_ = true;
  pool_.post([this] { drain(); });
}

void GroupCommit::drain() {
  std::vector<Job> group;
  std::vector<std::function<void()>> work;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        draining_ = false;
        return;
      }
      if (queue_.size() <= kMaxGroup) {
        group.swap(queue_);
      } else {
        auto end = queue_.begin() + kMaxGroup;
        group.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
    }
    work.clear();
    for (Job& job : group) work.push_back(std::move(job.work));
    std::optional<DynamoError> failed;
    try {
      failed = store_.run_group(work);
    } catch (...) {  // (the jobs catch their own: the store's, if any)
      failed = error_of(std::current_exception());
    }
    if (failed) {
      for (Job& job : group) job.fail(*failed);
    }
    for (Job& job : group) job.done();  // after the COMMIT
    group.clear();
  }
}

}  // namespace gh::plugins::dynamodb
